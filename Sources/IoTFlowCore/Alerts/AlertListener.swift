/// Told of every alert that fired, was acknowledged or resolved (the live hub pushes it to streams).
public protocol AlertListener: Sendable {
    /// Called after the change is stored; must return quickly and never fail.
    func alertChanged(_ alert: Alert)
}

/// Listens to nothing: for tools that run services without streams.
public struct NoAlertListener: AlertListener {
    /// Creates the listener.
    public init() {}

    public func alertChanged(_ alert: Alert) {}
}
