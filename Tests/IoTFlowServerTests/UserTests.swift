import Testing

@Suite("Users: read, list, update")
struct UserTests {
    @Test("a user reads itself")
    func readSelf() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let json = try requireJSON(try await api.get("/api/v1/users/\(alice.userID)", auth: alice.bearer))
            expectUser(json["user"])
            #expect(json["user"]["id"].int == alice.id)
            #expect(json["user"]["user_id"].string == alice.userID)
            #expect(json["user"]["email"].string == alice.email)
        }
    }

    @Test("another user is 403 for a non-admin and 200 for the admin token or an admin user")
    func readOther() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let root = try await api.registerAdminUser()
            expectError(try await api.get("/api/v1/users/\(alice.userID)", auth: bob.bearer), .forbidden)
            for credential in [Credential.adminToken, root.bearer] {
                let json = try requireJSON(try await api.get("/api/v1/users/\(alice.userID)", auth: credential))
                #expect(json["user"]["username"].string == "alice")
            }
        }
    }

    @Test("unknown or malformed user ids are 404")
    func readUnknown() async throws {
        try await withApp { api in
            expectError(try await api.get("/api/v1/users/0123456789abcdef0123456789abcdef", auth: .adminToken), .notFound)
            expectError(try await api.get("/api/v1/users/xyz", auth: .adminToken), .notFound)
        }
    }

    @Test("reading a user without a valid user credential is 401")
    func readUnauthenticated() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/users/\(alice.userID)"
            expectError(try await api.get(path), .unauthorized)
            expectError(try await api.get(path, auth: .bearer("invalid-token")), .unauthorized)
            expectError(try await api.get(path, auth: device.key), .unauthorized)
        }
    }

    @Test("GET /users lists users with paging meta")
    func list() async throws {
        try await withApp { api in
            for name in ["alice", "bob", "carol"] { _ = try await api.registerUser(name) }
            let json = try requireJSON(try await api.get("/api/v1/users", auth: .adminToken))
            let users = try #require(json["users"].array)
            #expect(users.count == 3)
            for user in users { expectUser(user) }
            #expect(Set(users.compactMap { $0["username"].string }) == ["alice", "bob", "carol"])
            #expect(json["meta"] == ["total": 3, "limit": 100, "offset": 0, "returned": 3])

            let page = try requireJSON(try await api.get("/api/v1/users?limit=2&offset=0", auth: .adminToken))
            #expect(page["users"].array?.count == 2)
            #expect(page["meta"] == ["total": 3, "limit": 2, "offset": 0, "returned": 2])
            let rest = try requireJSON(try await api.get("/api/v1/users?limit=2&offset=2", auth: .adminToken))
            #expect(rest["users"].array?.count == 1)
            #expect(rest["meta"] == ["total": 3, "limit": 2, "offset": 2, "returned": 1])
            let pageNames = (page["users"].array ?? []) + (rest["users"].array ?? [])
            #expect(Set(pageNames.compactMap { $0["username"].string }) == ["alice", "bob", "carol"])

            let clamped = try requireJSON(try await api.get("/api/v1/users?limit=5000", auth: .adminToken))
            #expect(clamped["meta"]["limit"].int == 1000)
        }
    }

    @Test("GET /users rejects bad paging", arguments: ["limit=0", "limit=abc", "limit=-1", "offset=-1", "offset=abc"])
    func listBadPaging(query: String) async throws {
        try await withApp { api in
            expectError(try await api.get("/api/v1/users?\(query)", auth: .adminToken), .badRequest)
        }
    }

    @Test("GET /users is 401 without credential, 403 for non-admins and wrong admin tokens, 200 for admin users")
    func listAccess() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let root = try await api.registerAdminUser()
            expectError(try await api.get("/api/v1/users"), .unauthorized)
            expectError(try await api.get("/api/v1/users", auth: device.key), .unauthorized)
            expectError(try await api.get("/api/v1/users", auth: .bearer("invalid-token")), .unauthorized)
            expectError(try await api.get("/api/v1/users", auth: alice.bearer), .forbidden)
            expectError(try await api.get("/api/v1/users", auth: .admin("wrong-admin-token")), .forbidden)
            let json = try requireJSON(try await api.get("/api/v1/users", auth: root.bearer))
            #expect(json["meta"]["total"].int == 2)
        }
    }

    @Test("without a configured admin token every admin credential is a wrong one (403)")
    func noAdminToken() async throws {
        try await withApp(adminToken: nil) { api in
            let alice = try await api.registerUser()
            expectError(try await api.get("/api/v1/users", auth: .adminToken), .forbidden)
            expectError(try await api.put("/api/v1/users/\(alice.userID)", auth: .adminToken, json: ["is_admin": true]), .forbidden)
            let json = try requireJSON(try await api.get("/api/v1/users/\(alice.userID)", auth: alice.bearer))
            #expect(json["user"]["is_admin"].bool == false)
        }
    }
}
