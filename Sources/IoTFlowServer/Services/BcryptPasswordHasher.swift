import HummingbirdBcrypt
import IoTFlowCore
import NIOPosix

/// bcrypt on NIO's blocking thread pool: a hash takes tens of milliseconds and must not stall an event loop.
struct BcryptPasswordHasher: PasswordHasher {
    let cost: UInt8
    let decoyHash: String

    init(cost: Int) {
        self.cost = UInt8(cost)
        self.decoyHash = Bcrypt.hash(Secrets.newToken(), cost: UInt8(cost))
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
