/// A failure of the benchmark, described in one line.
struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
