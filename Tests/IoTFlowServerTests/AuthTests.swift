import Testing

@Suite("Authentication: register, login, logout")
struct AuthTests {
    @Test("register answers 201 with message, user and a working token")
    func register() async throws {
        try await withApp { api in
            let response = try await api.post(
                "/api/v1/auth/register",
                json: ["username": "alice", "email": "a@example.com", "password": "password123"]
            )
            let json = try requireJSON(response, .created)
            #expect(json["message"].string?.isEmpty == false)
            expectUser(json["user"])
            #expect(json["user"]["username"].string == "alice")
            #expect(json["user"]["email"].string == "a@example.com")
            #expect(json["user"]["is_active"].bool == true)
            #expect(json["user"]["is_admin"].bool == false)
            let token = try #require(json["token"].string)
            #expect(!token.isEmpty)
            let userID = try #require(json["user"]["user_id"].string)
            let me = try requireJSON(try await api.get("/api/v1/users/\(userID)", auth: .bearer(token)))
            #expect(me["user"]["username"].string == "alice")
        }
    }

    @Test("register accepts the boundary lengths")
    func registerBoundaries() async throws {
        try await withApp { api in
            _ = try await api.registerUser("abc", password: "12345678")
            _ = try await api.registerUser(String(repeating: "u", count: 80), password: "password123")
            _ = try await api.registerUser("a.b_c-D9", password: "password123")
        }
    }

    @Test(
        "register rejects invalid input with 400",
        arguments: [
            #"{"username":"ab","email":"a@example.com","password":"password123"}"#,
            #"{"username":"\#(String(repeating: "u", count: 81))","email":"a@example.com","password":"password123"}"#,
            #"{"username":"bad name","email":"a@example.com","password":"password123"}"#,
            #"{"username":"al!ce","email":"a@example.com","password":"password123"}"#,
            #"{"username":"alice","email":"not-an-email","password":"password123"}"#,
            #"{"username":"alice","email":"a@b","password":"password123"}"#,
            #"{"username":"alice","email":"a@example.com","password":"short77"}"#,
            #"{"email":"a@example.com","password":"password123"}"#,
            #"{"username":"alice","password":"password123"}"#,
            #"{"username":"alice","email":"a@example.com"}"#,
            #"{"username":42,"email":"a@example.com","password":"password123"}"#,
            #"{"username":"alice","email":"a@example.com","password":12345678}"#,
        ]
    )
    func registerInvalid(body: String) async throws {
        try await withApp { api in
            expectError(try await api.request(.post, "/api/v1/auth/register", body: body), .badRequest)
        }
    }

    @Test("username and email are unique, case-insensitively")
    func registerDuplicates() async throws {
        try await withApp { api in
            _ = try await api.registerUser("alice", email: "alice@example.com")
            let cases: [(String, String)] = [
                ("alice", "other@example.com"),
                ("Alice", "other@example.com"),
                ("bob", "alice@example.com"),
                ("bob", "ALICE@Example.com"),
            ]
            for (username, email) in cases {
                let response = try await api.post(
                    "/api/v1/auth/register",
                    json: ["username": .string(username), "email": .string(email), "password": "password123"]
                )
                expectError(response, .conflict)
            }
        }
    }

    @Test("login by username or email, case-insensitively, answers 200 with a working token")
    func login() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice", email: "alice@example.com")
            for name in ["alice", "ALICE", "alice@example.com", "Alice@Example.COM"] {
                let json = try requireJSON(try await api.login(name, alice.password))
                #expect(json["message"].string?.isEmpty == false)
                expectUser(json["user"])
                #expect(json["user"]["user_id"].string == alice.userID)
                #expect(TestTime.isTimestamp(json["user"]["last_login"].string))
                let token = try #require(json["token"].string)
                #expect(token != alice.token)
                try requireJSON(try await api.get("/api/v1/users/\(alice.userID)", auth: .bearer(token)))
            }
        }
    }

    @Test("wrong password, unknown user and inactive user get 401 with the same message")
    func loginFailures() async throws {
        try await withApp { api in
            _ = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            try requireJSON(try await api.patch("/api/v1/users/\(bob.userID)/deactivate", auth: .adminToken))

            let wrongPassword = try await api.login("alice", "password999")
            let unknown = try await api.login("nobody", "password123")
            let inactive = try await api.login("bob", "password123")
            for response in [wrongPassword, unknown, inactive] {
                expectError(response, .unauthorized)
            }
            let messages = try [wrongPassword, unknown, inactive].map { try $0.json()["message"] }
            #expect(messages[0] != nil)
            #expect(messages[0] == messages[1])
            #expect(messages[1] == messages[2])
        }
    }

    @Test("login without a password is 400")
    func loginMissingField() async throws {
        try await withApp { api in
            _ = try await api.registerUser("alice")
            expectError(try await api.post("/api/v1/auth/login", json: ["username": "alice"]), .badRequest)
        }
    }

    @Test("logout revokes only the token used")
    func logout() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let second = try await api.relogin(alice)
            let json = try requireJSON(try await api.post("/api/v1/auth/logout", auth: alice.bearer))
            #expect(json["message"].string?.isEmpty == false)

            expectError(try await api.get("/api/v1/users/\(alice.userID)", auth: alice.bearer), .unauthorized)
            expectError(try await api.post("/api/v1/auth/logout", auth: alice.bearer), .unauthorized)
            try requireJSON(try await api.get("/api/v1/users/\(alice.userID)", auth: second.bearer))
        }
    }

    @Test("logout without or with an invalid credential is 401")
    func logoutUnauthenticated() async throws {
        try await withApp { api in
            expectError(try await api.post("/api/v1/auth/logout"), .unauthorized)
            expectError(try await api.post("/api/v1/auth/logout", auth: .bearer("not-a-token")), .unauthorized)
            expectError(try await api.post("/api/v1/auth/logout", auth: .adminToken), .unauthorized)
        }
    }

    @Test("X-User-ID is ignored unless legacy mode is on")
    func legacyHeaderOff() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            expectError(try await api.get("/api/v1/users/\(alice.userID)", auth: .legacyUser(alice.userID)), .unauthorized)
        }
    }

    @Test("legacy mode accepts X-User-ID in place of a bearer token, non-admin on admin route is 403")
    func legacyHeaderOn() async throws {
        try await withApp(legacyUserHeader: true) { api in
            let alice = try await api.registerUser()
            let json = try requireJSON(try await api.get("/api/v1/users/\(alice.userID)", auth: .legacyUser(alice.userID)))
            #expect(json["user"]["username"].string == "alice")
            expectError(try await api.get("/api/v1/users", auth: .legacyUser(alice.userID)), .forbidden)
        }
    }
}
