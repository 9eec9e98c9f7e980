/// Registration, login, tokens and user administration.
public struct AccountService: Sendable {
    let deps: Dependencies

    /// Creates the service.
    public init(_ deps: Dependencies) {
        self.deps = deps
    }

    private static let loginFailure = IoTFlowError.unauthorized("Invalid username or password.")

    /// Registers a user and signs them in; `client` is the caller's address, for the brute-force limit.
    public func register(_ command: RegisterUser, client: String) async throws -> (user: User, token: String) {
        try await self.limitAuthAttempts(client: client)
        let username = try Text.required(command.username, field: "username", maxBytes: 80)
        try AccountRules.validateUsername(username)
        let email = try AccountRules.normalizedEmail(try Text.required(command.email, field: "email", maxBytes: 254))
        let password = command.password
        try AccountRules.validatePassword(password)
        let hash = try await self.deps.passwords.hash(password)
        let now = self.deps.clock.nowMilliseconds()
        let user: User
        do {
            user = try await self.deps.accounts.createUser(
                NewUser(publicID: Secrets.newPublicUserID(), username: username, email: email, passwordHash: hash, isAdmin: false, createdAt: now)
            )
        } catch let violation as UniqueViolation {
            throw IoTFlowError.conflict("That \(violation.field) is already registered.")
        }
        let token = try await self.issueToken(for: user, now: now)
        self.deps.events.record(
            Event(type: EventType.userRegistered, timestamp: now, userPublicID: user.publicID, details: ["username": .string(username)]))
        return (user, token)
    }

    /// Creates a user from the command line (may be an admin); same rules as registration.
    public func createUser(username: String, email: String, password: String, isAdmin: Bool) async throws -> User {
        try AccountRules.validateUsername(username)
        let normalized = try AccountRules.normalizedEmail(email)
        try AccountRules.validatePassword(password)
        let hash = try await self.deps.passwords.hash(password)
        let now = self.deps.clock.nowMilliseconds()
        do {
            let user = try await self.deps.accounts.createUser(
                NewUser(
                    publicID: Secrets.newPublicUserID(), username: username, email: normalized, passwordHash: hash, isAdmin: isAdmin, createdAt: now)
            )
            self.deps.events.record(
                Event(type: EventType.userRegistered, timestamp: now, userPublicID: user.publicID, details: ["username": .string(username)]))
            return user
        } catch let violation as UniqueViolation {
            throw IoTFlowError.conflict("That \(violation.field) is already registered.")
        }
    }

    /// Checks a username-or-email and password; the same 401 for every kind of failure.
    public func login(_ attempt: LoginAttempt, client: String) async throws -> (user: User, token: String) {
        try await self.limitAuthAttempts(client: client)
        let login = try Text.required(attempt.login, field: "username", maxBytes: 254)
        let password = attempt.password
        guard var user = try await self.deps.accounts.user(login: login) else {
            // Check a decoy hash so an unknown name costs as much as a wrong password: timing does not
            // reveal which usernames exist.
            _ = try? await self.deps.passwords.verify(password, hash: self.deps.passwords.decoyHash)
            throw Self.loginFailure
        }
        guard try await self.deps.passwords.verify(password, hash: user.passwordHash), user.isActive else {
            throw Self.loginFailure
        }
        let now = self.deps.clock.nowMilliseconds()
        user.lastLogin = now
        try await self.deps.accounts.updateUser(user)
        await self.deps.cache.invalidateUser(id: user.id)
        let token = try await self.issueToken(for: user, now: now)
        self.deps.events.record(Event(type: EventType.userLogin, timestamp: now, userPublicID: user.publicID))
        return (user, token)
    }

    /// Revokes the token.
    public func logout(token: String) async throws {
        let hash = Secrets.sha256Hex(token)
        try await self.deps.accounts.deleteToken(hash: hash)
        await self.deps.cache.invalidateToken(hash: hash)
    }

    /// The active user owning this bearer token; 401 otherwise.
    public func authenticate(token: String) async throws -> User {
        let hash = Secrets.sha256Hex(token)
        if let cached = await self.deps.cache.session(tokenHash: hash), cached.user.isActive { return cached.user }
        let now = self.deps.clock.nowMilliseconds()
        guard let session = try await self.deps.accounts.session(tokenHash: hash, now: now), session.user.isActive else {
            throw IoTFlowError.unauthorized("The bearer token is invalid, expired or revoked; log in again.")
        }
        await self.deps.cache.storeSession(session, tokenHash: hash, readStartedAt: now)
        return session.user
    }

    /// The active user with this public id, for the legacy `X-User-ID` header; 401 otherwise.
    public func authenticate(legacyUserID: String) async throws -> User {
        guard Self.isPublicID(legacyUserID), let user = try await self.deps.accounts.user(publicID: legacyUserID), user.isActive else {
            throw IoTFlowError.unauthorized("Unknown or inactive user in X-User-ID.")
        }
        return user
    }

    /// A user the principal may see.
    public func user(publicID: String, principal: Principal) async throws -> User {
        let user = try await self.findUser(publicID)
        try Access.requireSelfOrAdmin(user, principal)
        return user
    }

    /// A page of all users (admin).
    public func users(page: PageRequest, principal: Principal) async throws -> Page<User> {
        try Access.requireAdmin(principal)
        let paging = page.paging()
        let found = try await self.deps.accounts.users(limit: paging.limit, offset: paging.offset)
        return Page(items: found.users, total: found.total, paging: paging)
    }

    /// Updates email, username, password, and for admins `is_active`/`is_admin`.
    public func update(publicID: String, _ update: UserUpdate, principal: Principal) async throws -> User {
        var user = try await self.findUser(publicID)
        try Access.requireSelfOrAdmin(user, principal)
        let wasActive = user.isActive
        var changed: [String] = []
        if let username = try Text.replacement(update.username, field: "username", maxBytes: 80) {
            try AccountRules.validateUsername(username)
            user.username = username
            changed.append("username")
        }
        if let email = try Text.replacement(update.email, field: "email", maxBytes: 254) {
            user.email = try AccountRules.normalizedEmail(email)
            changed.append("email")
        }
        let isActive = update.isActive
        let isAdmin = update.isAdmin
        // Sending the current values back (as a client echoing GET /users/{id} would) is not a change.
        let changesFlags = (isActive.map { $0 != user.isActive } ?? false) || (isAdmin.map { $0 != user.isAdmin } ?? false)
        if changesFlags && !principal.isAdmin {
            throw IoTFlowError.forbidden("Only an administrator may change 'is_active' or 'is_admin'.")
        }
        if isActive == false && user.isActive && user.isAdmin && isAdmin != false {
            throw IoTFlowError.forbidden("Administrators cannot be deactivated; remove 'is_admin' first.")
        }
        if let newPassword = update.password {
            try AccountRules.validatePassword(newPassword)
            user.passwordHash = try await self.deps.passwords.hash(newPassword)
            changed.append("password")
        }
        if let isActive {
            user.isActive = isActive
            changed.append("is_active")
        }
        if let isAdmin {
            user.isAdmin = isAdmin
            changed.append("is_admin")
        }
        let now = self.deps.clock.nowMilliseconds()
        user.updatedAt = now
        do {
            try await self.deps.accounts.updateUser(user)
        } catch let violation as UniqueViolation {
            throw IoTFlowError.conflict("That \(violation.field) is already registered.")
        }
        if wasActive && !user.isActive {
            try await self.deps.accounts.deleteTokens(userID: user.id)
        }
        // Cached sessions hold the user and cached devices its username and status: forget both.
        await self.deps.cache.invalidateUser(id: user.id)
        await self.deps.cache.invalidateDevices(ownerID: user.id)
        self.deps.events.record(
            Event(type: EventType.userUpdated, timestamp: now, userPublicID: user.publicID, details: ["fields": .array(changed.map { .string($0) })])
        )
        return user
    }

    /// Deletes a non-admin user with everything it owns (admin only).
    public func delete(publicID: String, principal: Principal) async throws {
        try Access.requireAdmin(principal)
        let user = try await self.findUser(publicID)
        guard !user.isAdmin else { throw IoTFlowError.forbidden("Administrators cannot be deleted; remove 'is_admin' first.") }
        let deviceIDs = try await self.deps.devices.deviceIDs(ownerID: user.id)
        try await self.deps.telemetry.deleteAll(deviceIDs: deviceIDs)
        // Groups and devices first, through their own stores, so no store relies on another's cascade.
        try await self.deps.groups.deleteGroups(ownerID: user.id)
        try await self.deps.devices.deleteDevices(ownerID: user.id)
        try await self.deps.accounts.deleteUser(id: user.id)
        await self.deps.cache.invalidateUser(id: user.id)
        await self.deps.cache.invalidateDevices(ownerID: user.id)
        for id in deviceIDs {
            await self.deps.cache.invalidateLatest(deviceID: id)
            self.deps.keyBudget.forget(deviceID: id)
        }
        await self.deps.cache.forgetOnline(deviceIDs: deviceIDs)
        await AlertService(self.deps).devicesDeleted(deviceIDs)
        self.deps.events.record(
            Event(
                type: EventType.userDeleted, timestamp: self.deps.clock.nowMilliseconds(), userPublicID: user.publicID,
                details: ["username": .string(user.username)])
        )
    }

    /// Activates or deactivates a non-admin user (admin only); deactivation revokes its tokens.
    public func setActive(publicID: String, active: Bool, principal: Principal) async throws -> User {
        try Access.requireAdmin(principal)
        var user = try await self.findUser(publicID)
        // Activation is harmless, so it also works on an admin (one deactivated before it became admin).
        guard active || !user.isAdmin else { throw IoTFlowError.forbidden("Administrators cannot be deactivated; remove 'is_admin' first.") }
        let now = self.deps.clock.nowMilliseconds()
        user.isActive = active
        user.updatedAt = now
        try await self.deps.accounts.updateUser(user)
        if !active { try await self.deps.accounts.deleteTokens(userID: user.id) }
        await self.deps.cache.invalidateUser(id: user.id)
        await self.deps.cache.invalidateDevices(ownerID: user.id)
        self.deps.events.record(
            Event(type: active ? EventType.userActivated : EventType.userDeactivated, timestamp: now, userPublicID: user.publicID))
        return user
    }

    /// Registration and login attempts share one budget per client address, against password guessing.
    private func limitAuthAttempts(client: String) async throws {
        try await RateLimiter(cache: self.deps.cache).check("auth:\(client)", perMinute: self.deps.settings.rateLimits.authPerClient)
    }

    /// Whether `text` has the shape of a public user id.
    public static func isPublicID(_ text: String) -> Bool {
        text.utf8.count == 32
            && text.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    func findUser(_ publicID: String) async throws -> User {
        guard Self.isPublicID(publicID), let user = try await self.deps.accounts.user(publicID: publicID) else {
            throw IoTFlowError.notFound("User \(publicID.prefix(64)) was not found.")
        }
        return user
    }

    private func issueToken(for user: User, now: Int64) async throws -> String {
        let token = Secrets.newToken()
        let expiresAt = now + Int64(self.deps.settings.tokenLifetimeSeconds) * 1000
        try await self.deps.accounts.createToken(hash: Secrets.sha256Hex(token), userID: user.id, createdAt: now, expiresAt: expiresAt)
        return token
    }
}
