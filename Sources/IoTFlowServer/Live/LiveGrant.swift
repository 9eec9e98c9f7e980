/// What one stream may receive, and what that permission rests on. Resolved when the stream opens and again at
/// every recheck, from the same service rules as the REST routes (``LiveAccess``).
struct LiveGrant: Sendable, Equatable {
    /// Which messages reach the stream.
    enum Scope: Sendable, Equatable {
        /// Points and alerts of these devices (a device's stream, or a group's current members).
        case devices(Set<Int64>)
        /// Alerts of this owner (public id), or of everyone when nil (an administrator).
        case alerts(ownerPublicID: String?)
    }

    /// Which messages reach the stream.
    var scope: Scope
    /// What the permission rests on: a change to any of these makes the stream check its access again.
    var subjects: Set<LiveSubject>
}
