import IoTFlowCore
import NIOCore
import Testing

@testable import IoTFlowServer

/// The arithmetic of the bcrypt pool's CPU budget, on plain seconds: no clock, no sleeping.
@Suite("CPU budget")
struct CPUBudgetTests {
    @Test("work within the saved-up burst starts at once")
    func burstRunsAtOnce() {
        var budget = CPUBudget(share: 0.5, burst: 1, now: 0)
        for step in 0..<10 {
            #expect(budget.delay(at: Double(step) * 0.1) == 0)
            budget.spend(0.1, at: Double(step) * 0.1)
        }
        // One second of CPU spent in one second of wall time: half of it refilled, so the balance is 0.5.
        #expect(budget.delay(at: 1) == 0)
    }

    @Test("an overdrawn balance is waited off at the share's rate")
    func debtIsWaitedOff() {
        var budget = CPUBudget(share: 0.25, burst: 0, now: 0)
        budget.spend(0.5, at: 0)
        #expect(abs(budget.delay(at: 0) - 2) < 1e-9, "0.5 s of CPU at a quarter of a core takes 2 s to earn back")
        #expect(abs(budget.delay(at: 1.5) - 0.5) < 1e-9)
        #expect(budget.delay(at: 2) == 0)
    }

    @Test("saving up stops at the burst")
    func savingIsCapped() {
        var budget = CPUBudget(share: 0.5, burst: 1, now: 0)
        budget.spend(3, at: 1000)  // a thousand idle seconds saved no more than one
        #expect(abs(budget.delay(at: 1000) - 4) < 1e-9)
    }

    @Test("a sustained load averages the share")
    func sustainedLoadAveragesTheShare() {
        var budget = CPUBudget(share: 0.5, burst: 1, now: 0)
        var now = 0.0
        var spent = 0.0
        // A hash of 40 ms CPU that runs as soon as the budget allows, as the pool's thread does.
        while now < 100 {
            now += budget.delay(at: now)
            now += 0.04
            budget.spend(0.04, at: now)
            spent += 0.04
        }
        #expect(spent <= 0.5 * now + 1 + 0.04, "no more than the share plus the burst and one hash")
        #expect(spent >= 0.5 * now - 0.04, "and no less: the budget does not waste what it grants")
    }

    @Test("IOTFLOW_BCRYPT_CPU_PERCENT sets the budget; the default is an eighth of the machine, at least 25")
    func setting() throws {
        #expect(try AppConfiguration.fromEnvironment([:]).bcryptCPUPercent == max(25, System.coreCount * 100 / 8))
        #expect(try AppConfiguration.fromEnvironment(["IOTFLOW_BCRYPT_CPU_PERCENT": "0"]).bcryptCPUPercent == 0)
        #expect(try AppConfiguration.fromEnvironment(["IOTFLOW_BCRYPT_CPU_PERCENT": "150"]).bcryptCPUPercent == 150)
        for bad in ["-1", "half", "25600.5", "25601"] {
            let error = #expect(throws: ConfigurationError.self) {
                try AppConfiguration.fromEnvironment(["IOTFLOW_BCRYPT_CPU_PERCENT": bad])
            }
            #expect(error?.message.contains("IOTFLOW_BCRYPT_CPU_PERCENT") == true)
        }
    }

    @Test("a clock that steps back does not refill")
    func clockSteppingBack() {
        var budget = CPUBudget(share: 1, burst: 0, now: 10)
        budget.spend(1, at: 10)
        #expect(budget.delay(at: 5) == 1)
    }
}
