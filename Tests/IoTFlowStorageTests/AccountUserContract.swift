import IoTFlowCore
import Testing

/// `AccountStore` users: creation, lookups, uniqueness, updates, counts.
enum AccountUserContract {
    static func createAndFind(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("Alice", at: 1_700_000_000_000)
        let root = try await stores.makeUser("root", admin: true, at: 1_700_000_000_500)
        #expect(alice.id != root.id)
        #expect(alice.publicID == StoreFixture.publicID("Alice"))
        #expect(alice.username == "Alice")
        #expect(alice.email == "alice@example.com")
        #expect(alice.passwordHash == "hash-Alice")
        #expect(alice.isActive && !alice.isAdmin)
        #expect(root.isActive && root.isAdmin)
        #expect(alice.createdAt == 1_700_000_000_000 && alice.updatedAt == 1_700_000_000_000)
        #expect(alice.lastLogin == nil)

        #expect(try await stores.accounts.user(id: alice.id) == alice)
        #expect(try await stores.accounts.user(publicID: alice.publicID) == alice)
        #expect(try await stores.accounts.user(publicID: root.publicID) == root)
        for login in ["Alice", "alice", "ALICE", "alice@example.com", "Alice@Example.COM"] {
            #expect(try await stores.accounts.user(login: login) == alice, "login \(login)")
        }
        #expect(try await stores.accounts.user(login: "root@example.com") == root)
        #expect(try await stores.accounts.user(id: root.id + alice.id + 100) == nil)
        #expect(try await stores.accounts.user(publicID: StoreFixture.publicID("nobody")) == nil)
        #expect(try await stores.accounts.user(login: "nobody") == nil)
        #expect(try await stores.accounts.user(login: "alic") == nil)
    }

    static func listUsers(_ stores: StoreFixture) async throws {
        var created: [User] = []
        for name in ["u1", "u2", "u3", "u4", "u5"] { created.append(try await stores.makeUser(name)) }
        let firstPage = try await stores.accounts.users(limit: 2, offset: 0)
        #expect(firstPage.users == Array(created[0..<2]))
        #expect(firstPage.total == 5)
        let lastPage = try await stores.accounts.users(limit: 2, offset: 4)
        #expect(lastPage.users == [created[4]])
        #expect(lastPage.total == 5)
        let beyond = try await stores.accounts.users(limit: 10, offset: 10)
        #expect(beyond.users.isEmpty && beyond.total == 5)
    }

    static func uniqueUsernameAndEmail(_ stores: StoreFixture) async throws {
        let alice = try await stores.makeUser("alice")
        let sameName = await #expect(throws: UniqueViolation.self) {
            try await stores.accounts.createUser(
                NewUser(
                    publicID: StoreFixture.publicID("x1"), username: "ALICE", email: "other@example.com", passwordHash: "h", isAdmin: false,
                    createdAt: 1
                )
            )
        }
        #expect(sameName?.field == "username")
        let sameEmail = await #expect(throws: UniqueViolation.self) {
            try await stores.accounts.createUser(
                NewUser(
                    publicID: StoreFixture.publicID("x2"), username: "alice2", email: "ALICE@example.com", passwordHash: "h", isAdmin: false,
                    createdAt: 1
                )
            )
        }
        #expect(sameEmail?.field == "email")
        let page = try await stores.accounts.users(limit: 10, offset: 0)
        #expect(page.users == [alice] && page.total == 1)
    }

    static func updateUser(_ stores: StoreFixture) async throws {
        var alice = try await stores.makeUser("alice")
        let bob = try await stores.makeUser("bob")
        alice.username = "alicia"
        alice.email = "alicia@example.org"
        alice.passwordHash = "new-hash"
        alice.isActive = false
        alice.isAdmin = true
        alice.updatedAt = 1_800_000_000_000
        alice.lastLogin = 1_799_000_000_000
        try await stores.accounts.updateUser(alice)
        #expect(try await stores.accounts.user(id: alice.id) == alice)
        #expect(try await stores.accounts.user(login: "alicia") == alice)
        #expect(try await stores.accounts.user(login: "alice") == nil)

        alice.lastLogin = nil
        try await stores.accounts.updateUser(alice)
        #expect(try await stores.accounts.user(id: alice.id)?.lastLogin == nil)

        var clash = alice
        clash.username = "BOB"
        let nameClash = await #expect(throws: UniqueViolation.self) { try await stores.accounts.updateUser(clash) }
        #expect(nameClash?.field == "username")
        clash = alice
        clash.email = "bob@example.com"
        let emailClash = await #expect(throws: UniqueViolation.self) { try await stores.accounts.updateUser(clash) }
        #expect(emailClash?.field == "email")
        #expect(try await stores.accounts.user(id: alice.id) == alice)
        #expect(try await stores.accounts.user(id: bob.id) == bob)
    }

    static func userCounts(_ stores: StoreFixture) async throws {
        #expect(try await stores.accounts.userCounts() == UserCounts(total: 0, active: 0, admins: 0))
        _ = try await stores.makeUser("a")
        var b = try await stores.makeUser("b")
        _ = try await stores.makeUser("root", admin: true)
        b.isActive = false
        try await stores.accounts.updateUser(b)
        #expect(try await stores.accounts.userCounts() == UserCounts(total: 3, active: 2, admins: 1))
    }
}
