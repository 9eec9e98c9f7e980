import IoTFlowCore
import Testing

/// `AccountStore` bearer tokens.
enum AccountTokenContract {
    static func lookupAndExpiry(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        try await stores.accounts.createToken(hash: "t-alice", userID: alice.id, createdAt: 1000, expiresAt: 2000)
        #expect(try await stores.accounts.user(tokenHash: "t-alice", now: 1000) == alice)
        #expect(try await stores.accounts.user(tokenHash: "t-alice", now: 1999) == alice)
        #expect(try await stores.accounts.user(tokenHash: "t-alice", now: 2000) == nil)
        #expect(try await stores.accounts.user(tokenHash: "t-alice", now: 5000) == nil)
        #expect(try await stores.accounts.user(tokenHash: "unknown", now: 1500) == nil)
    }

    static func deleteOneAndAll(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        for hash in ["a1", "a2", "a3"] {
            try await stores.accounts.createToken(hash: hash, userID: alice.id, createdAt: 1000, expiresAt: 10_000)
        }
        try await stores.accounts.createToken(hash: "b1", userID: bob.id, createdAt: 1000, expiresAt: 10_000)

        try await stores.accounts.deleteToken(hash: "a1")
        #expect(try await stores.accounts.user(tokenHash: "a1", now: 2000) == nil)
        #expect(try await stores.accounts.user(tokenHash: "a2", now: 2000) == alice)

        try await stores.accounts.deleteTokens(userID: alice.id)
        #expect(try await stores.accounts.user(tokenHash: "a2", now: 2000) == nil)
        #expect(try await stores.accounts.user(tokenHash: "a3", now: 2000) == nil)
        #expect(try await stores.accounts.user(tokenHash: "b1", now: 2000) == bob)
        try await stores.accounts.deleteToken(hash: "never-existed")
    }

    /// The protocol promises "the active user owning an unexpired token".
    static func inactiveOwner(_ stores: StoreFixture) async throws {
        var alice = try await stores.makeUser("alice")
        try await stores.accounts.createToken(hash: "t", userID: alice.id, createdAt: 1000, expiresAt: 10_000)
        alice.isActive = false
        try await stores.accounts.updateUser(alice)
        #expect(try await stores.accounts.user(tokenHash: "t", now: 2000) == nil)
    }
}
