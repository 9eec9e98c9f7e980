import Testing

@Suite("Users: delete, deactivate, activate")
struct UserAdminTests {
    @Test("DELETE /users/{id} removes the user; its token and its devices' keys stop working")
    func deleteUser() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            try await api.postPoint(device, ["t": 1])
            let json = try requireJSON(try await api.delete("/api/v1/users/\(alice.userID)", auth: .adminToken))
            #expect(json["message"].string?.isEmpty == false)

            expectError(try await api.get("/api/v1/users/\(alice.userID)", auth: alice.bearer), .unauthorized)
            expectError(try await api.get("/api/v1/devices/credentials", auth: device.key), .unauthorized)
            expectError(try await api.postTelemetry(device, ["data": ["t": 2]]), .unauthorized)
            expectError(try await api.get("/api/v1/users/\(alice.userID)", auth: .adminToken), .notFound)
            expectError(try await api.get("/api/v1/devices/\(device.id)", auth: .adminToken), .notFound)
            expectError(try await api.login(alice.username, alice.password), .unauthorized)
            let status = try requireJSON(try await api.get("/status"))
            #expect(status["devices"]["total"].int == 0)
            #expect(status["telemetry"]["points_total"].int == 0)
        }
    }

    @Test("DELETE /users/{id} is admin only, refuses admin targets and 404s unknown users")
    func deleteUserRules() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let bob = try await api.registerUser("bob")
            let root = try await api.registerAdminUser()
            let path = "/api/v1/users/\(alice.userID)"
            expectError(try await api.delete(path), .unauthorized)
            expectError(try await api.delete(path, auth: alice.bearer), .forbidden)
            expectError(try await api.delete(path, auth: bob.bearer), .forbidden)
            expectError(try await api.delete(path, auth: .admin("wrong-admin-token")), .forbidden)
            expectError(try await api.delete("/api/v1/users/\(root.userID)", auth: .adminToken), .forbidden)
            expectError(try await api.delete("/api/v1/users/0123456789abcdef0123456789abcdef", auth: .adminToken), .notFound)
            try requireJSON(try await api.get(path, auth: alice.bearer))
            try requireJSON(try await api.delete(path, auth: root.bearer))
        }
    }

    @Test("deactivation revokes tokens, blocks login and device writes but not device reads; activation restores")
    func deactivateAndActivate() async throws {
        try await withApp { api in
            let alice = try await api.registerUser()
            let device = try await api.registerDevice(alice)
            let path = "/api/v1/users/\(alice.userID)"

            let json = try requireJSON(try await api.patch("\(path)/deactivate", auth: .adminToken))
            #expect(json["message"].string?.isEmpty == false)
            expectUser(json["user"])
            #expect(json["user"]["is_active"].bool == false)

            expectError(try await api.get(path, auth: alice.bearer), .unauthorized)
            expectError(try await api.login(alice.username, alice.password), .unauthorized)
            expectError(try await api.postTelemetry(device, ["data": ["t": 1]]), .forbidden)
            try requireJSON(try await api.get("/api/v1/devices/credentials", auth: device.key))
            try requireJSON(try await api.get("/api/v1/devices/config", auth: device.key))
            try requireJSON(try await api.post("/api/v1/devices/heartbeat", auth: device.key))

            let again = try requireJSON(try await api.patch("\(path)/deactivate", auth: .adminToken))
            #expect(again["user"]["is_active"].bool == false)

            let activated = try requireJSON(try await api.patch("\(path)/activate", auth: .adminToken))
            #expect(activated["message"].string?.isEmpty == false)
            expectUser(activated["user"])
            #expect(activated["user"]["is_active"].bool == true)

            expectError(try await api.get(path, auth: alice.bearer), .unauthorized)
            let fresh = try await api.relogin(alice)
            try requireJSON(try await api.get(path, auth: fresh.bearer))
            try requireJSON(try await api.postTelemetry(device, ["data": ["t": 1]]), .created)
        }
    }

    @Test("deactivate and activate are admin only and refuse admin targets")
    func deactivateRules() async throws {
        try await withApp { api in
            let alice = try await api.registerUser("alice")
            let root = try await api.registerAdminUser()
            for action in ["deactivate", "activate"] {
                let path = "/api/v1/users/\(alice.userID)/\(action)"
                expectError(try await api.patch(path), .unauthorized)
                expectError(try await api.patch(path, auth: alice.bearer), .forbidden)
                expectError(try await api.patch(path, auth: .admin("wrong-admin-token")), .forbidden)
                expectError(try await api.patch("/api/v1/users/0123456789abcdef0123456789abcdef/\(action)", auth: .adminToken), .notFound)
            }
            expectError(try await api.patch("/api/v1/users/\(root.userID)/deactivate", auth: .adminToken), .forbidden)
            try requireJSON(try await api.get("/api/v1/users", auth: root.bearer))
            let json = try requireJSON(try await api.patch("/api/v1/users/\(alice.userID)/deactivate", auth: root.bearer))
            #expect(json["user"]["is_active"].bool == false)
        }
    }
}
