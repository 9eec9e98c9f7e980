/// Where the domain hands over what live streams show, without knowing how it reaches clients: the server's
/// live hub (WebSocket streams, relayed across instances) implements it.
public protocol LiveFeed: Sendable {
    /// An alert fired, was acknowledged or was resolved: shown on the streams of its device, of the groups that
    /// hold the device, and on the alert streams of its owner and of administrators. Returns at once and never
    /// fails: a stream must not slow or fail the change that caused it.
    func publish(alert: Alert)

    /// A device's config changed (by the device or its owner): a device connected to any instance and subscribed to
    /// its config gets the new one. Returns at once and never fails.
    func deviceConfigChanged(deviceID: Int64)
}

/// Shows nothing: for tools that run the services without streams.
public struct NoLiveFeed: LiveFeed {
    /// Creates the feed.
    public init() {}

    public func publish(alert: Alert) {}

    public func deviceConfigChanged(deviceID: Int64) {}
}
