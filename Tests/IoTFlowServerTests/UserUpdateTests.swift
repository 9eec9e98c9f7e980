import Testing

@Suite("Users: PUT /users/{user_id}")
struct UserUpdateTests {
    @Test("a user changes its own username and email")
    func updateSelf() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let path = "/api/v1/users/\(alice.userID)"
            let json = try requireJSON(try await api.put(path, auth: alice.bearer, json: ["username": "alicia", "email": "alicia@example.com"]))
            #expect(json["message"].string?.isEmpty == false)
            expectUser(json["user"])
            #expect(json["user"]["username"].string == "alicia")
            #expect(json["user"]["email"].string == "alicia@example.com")
            #expect(json["user"]["user_id"].string == alice.userID)

            let read = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(read["user"]["username"].string == "alicia")
            try requireJSON(try await api.login("alicia", alice.password))
            expectError(try await api.login("alice", alice.password), .unauthorized)
        }
    }

    @Test("after a password change the new password logs in and the old one fails")
    func changePassword() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            try requireJSON(try await api.put("/api/v1/users/\(alice.userID)", auth: alice.bearer, json: ["password": "new-password-1"]))
            try requireJSON(try await api.login(alice.username, "new-password-1"))
            expectError(try await api.login(alice.username, alice.password), .unauthorized)
        }
    }

    @Test("a user cannot make itself admin or change its active flag")
    func privilegeEscalation() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let path = "/api/v1/users/\(alice.userID)"
            expectError(try await api.put(path, auth: alice.bearer, json: ["is_admin": true]), .forbidden)
            expectError(try await api.put(path, auth: alice.bearer, json: ["is_active": false]), .forbidden)
            let json = try requireJSON(try await api.get(path, auth: alice.bearer))
            #expect(json["user"]["is_admin"].bool == false)
            #expect(json["user"]["is_active"].bool == true)
        }
    }

    @Test("a non-admin cannot update another user")
    func updateOther() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            expectError(try await api.put("/api/v1/users/\(alice.userID)", auth: bob.bearer, json: ["email": "x@example.com"]), .forbidden)
            let json = try requireJSON(try await api.get("/api/v1/users/\(alice.userID)", auth: alice.bearer))
            #expect(json["user"]["email"].string == alice.email)
        }
    }

    @Test("the admin sets is_admin and is_active")
    func adminUpdates() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let path = "/api/v1/users/\(alice.userID)"
            let promoted = try requireJSON(try await api.put(path, auth: .adminToken, json: ["is_admin": true]))
            #expect(promoted["user"]["is_admin"].bool == true)
            let admin = try await api.relogin(alice)
            try requireJSON(try await api.get("/api/v1/users", auth: admin.bearer))

            let bob = try await api.registerUser("bob")
            let disabled = try requireJSON(try await api.put("/api/v1/users/\(bob.userID)", auth: .adminToken, json: ["is_active": false]))
            #expect(disabled["user"]["is_active"].bool == false)
            expectError(try await api.login("bob", bob.password), .unauthorized)
            let enabled = try requireJSON(try await api.put("/api/v1/users/\(bob.userID)", auth: admin.bearer, json: ["is_active": true]))
            #expect(enabled["user"]["is_active"].bool == true)
            try requireJSON(try await api.login("bob", bob.password))
        }
    }

    @Test("a username or email taken by another user (any case) is 409")
    func duplicates() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            _ = try await api.registerUser("bob")
            let path = "/api/v1/users/\(alice.userID)"
            expectError(try await api.put(path, auth: alice.bearer, json: ["username": "BOB"]), .conflict)
            expectError(try await api.put(path, auth: alice.bearer, json: ["email": "Bob@Example.com"]), .conflict)
        }
    }

    @Test(
        "invalid updates are 400",
        arguments: [
            #"{"email":"not-an-email"}"#,
            #"{"username":"a b"}"#,
            #"{"username":"ab"}"#,
            #"{"password":"short"}"#,
            #"{"email":42}"#,
            "",
        ]
    )
    func invalidUpdate(body: String) async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            expectError(try await api.request(.put, "/api/v1/users/\(alice.userID)", auth: alice.bearer, body: body), .badRequest)
        }
    }

    @Test("updating an unknown user as admin is 404")
    func updateUnknown() async throws {
        try await withApp { api in
            let response = try await api.put("/api/v1/users/0123456789abcdef0123456789abcdef", auth: .adminToken, json: ["email": "x@example.com"])
            expectError(response, .notFound)
        }
    }
}
