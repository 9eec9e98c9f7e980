/// A token bucket of CPU time: it refills at `share` seconds of CPU per second of wall time and holds at most
/// `burst` seconds, so a few sign-ins on an idle server run at once, while a sustained burst of them averages no
/// more than `share` of a core, whatever the number of clients. Spending may overdraw the balance (a hash's cost
/// is known only afterwards); the debt is then waited off before the next one. A value type over plain seconds,
/// so its arithmetic is tested without a clock.
struct CPUBudget: Sendable {
    /// CPU seconds granted per wall-clock second; 0.5 is half a core.
    let share: Double
    /// The most CPU seconds that can be saved up while idle.
    let burst: Double
    private var balance: Double
    private var updated: Double

    /// A full bucket at time `now` (seconds on any monotonic clock).
    init(share: Double, burst: Double, now: Double) {
        precondition(share > 0 && burst >= 0)
        self.share = share
        self.burst = burst
        self.balance = burst
        self.updated = now
    }

    /// Seconds to wait at `now` before the balance is no longer overdrawn; 0 when work may start at once.
    mutating func delay(at now: Double) -> Double {
        self.refill(at: now)
        return self.balance >= 0 ? 0 : -self.balance / self.share
    }

    /// Records `seconds` of CPU spent, finished at `now`.
    mutating func spend(_ seconds: Double, at now: Double) {
        self.refill(at: now)
        self.balance -= seconds
    }

    private mutating func refill(at now: Double) {
        if now > self.updated {
            self.balance = min(self.burst, self.balance + (now - self.updated) * self.share)
            self.updated = now
        }
    }
}
