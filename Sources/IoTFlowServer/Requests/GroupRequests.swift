import IoTFlowCore

/// `POST /groups`.
struct CreateGroupRequest: Decodable, Sendable {
    let name: String
    let description: String?
    let color: String?

    var command: CreateGroup { CreateGroup(name: self.name, description: self.description, color: self.color) }
}

/// `PUT /groups/{id}`.
struct GroupUpdateRequest: Decodable, Sendable {
    let update: GroupUpdate

    private enum Keys: String, CodingKey { case name, description, color }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var update = GroupUpdate()
        update.name = try container.decodeChange(String.self, forKey: .name)
        update.description = try container.decodeChange(String.self, forKey: .description)
        update.color = try container.decodeChange(String.self, forKey: .color)
        self.update = update
    }
}

/// `POST /groups/{id}/devices`.
struct AddMemberRequest: Decodable, Sendable {
    let deviceID: Int64

    private enum CodingKeys: String, CodingKey { case deviceID = "device_id" }
}

/// `POST /groups/{id}/devices/bulk`.
struct AddMembersRequest: Decodable, Sendable {
    let deviceIDs: [Int64]

    private enum CodingKeys: String, CodingKey { case deviceIDs = "device_ids" }
}
