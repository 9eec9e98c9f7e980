import IoTFlowCore

/// Decides what a stream may receive, with the same service rules as the REST routes: a device stream is the
/// device itself, its owner or an admin (``DeviceService/readableDevice(_:principal:)``), a group stream its
/// owner (``GroupService/group(_:principal:includeDevices:)``), the alert stream any user (admins: everyone's).
/// A refusal is the service's error (401, 403, 404), answered before the upgrade or, on a recheck, closing the stream.
struct LiveAccess: Sendable {
    let services: APIServices
    let authenticator: AuthenticationMiddleware

    /// The grant for an identity already resolved (the upgrade request's).
    func grant(_ target: LiveTarget, identity: Identity, credentials: LiveCredentials) async throws -> LiveGrant {
        switch target {
        case .device(let id):
            let principal = try identity.principal(accepting: [.device, .user, .adminToken])
            let device = try await self.services.devices.readableDevice(id, principal: principal)
            let subjects = Self.subjects(of: principal, credentials).union([.device(id), .owner(device.ownerID)])
            return LiveGrant(scope: .devices([id]), subjects: subjects)
        case .group(let id):
            let principal = try identity.principal(accepting: .user)
            let (_, members) = try await self.services.groups.group(id, principal: principal, includeDevices: true)
            let deviceIDs = Set((members ?? []).map(\.device.id))
            // The group goes with its owner's other belongings when the owner is deleted.
            let owner: [LiveSubject] = principal.user.map { [.owner($0.id)] } ?? []
            let subjects = Self.subjects(of: principal, credentials).union([.group(id)]).union(owner).union(deviceIDs.map { .device($0) })
            return LiveGrant(scope: .devices(deviceIDs), subjects: subjects)
        case .alerts:
            let principal = try identity.principal(accepting: [.user, .adminToken])
            let owner = principal.isAdmin ? nil : principal.user?.publicID
            return LiveGrant(scope: .alerts(ownerPublicID: owner), subjects: Self.subjects(of: principal, credentials))
        }
    }

    /// The grant now, from the credentials the stream was opened with: a revoked token, a rotated key or a deleted
    /// target throws as it would on a new request.
    func grant(_ target: LiveTarget, credentials: LiveCredentials) async throws -> LiveGrant {
        let identity = try await self.authenticator.identity(
            apiKey: credentials.apiKey, authorization: credentials.authorization, legacyUserID: credentials.legacyUserID
        )
        return try await self.grant(target, identity: identity, credentials: credentials)
    }

    /// What the caller's credential rests on.
    private static func subjects(of principal: Principal, _ credentials: LiveCredentials) -> Set<LiveSubject> {
        switch principal {
        case .device(let caller):
            return [.device(caller.device.id), .owner(caller.device.ownerID)]
        case .user(let user):
            var subjects: Set<LiveSubject> = [.user(user.id)]
            if let token = credentials.authorization.map(AuthenticationMiddleware.split), token.scheme == "bearer" {
                subjects.insert(.token(Secrets.sha256Hex(token.credential)))
            }
            return subjects
        case .adminToken:
            return []
        }
    }
}
