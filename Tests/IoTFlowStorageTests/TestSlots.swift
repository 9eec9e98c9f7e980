/// A counting semaphore for async tests: at most `count` holders at once, the others wait in order.
actor TestSlots {
    private var free: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) {
        self.free = count
    }

    /// Waits for a free slot and takes it.
    func acquire() async {
        if self.free > 0 {
            self.free -= 1
            return
        }
        await withCheckedContinuation { self.waiters.append($0) }
    }

    /// Gives a slot back, to the longest waiter if there is one.
    func release() {
        if self.waiters.isEmpty {
            self.free += 1
        } else {
            self.waiters.removeFirst().resume()
        }
    }
}
