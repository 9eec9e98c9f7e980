import IoTFlowCore

/// `POST /devices/register`.
struct RegisterDeviceRequest: Decodable, Sendable {
    let name: String
    let deviceType: String
    let description: String?
    let location: String?
    let firmwareVersion: String?
    let hardwareVersion: String?

    private enum CodingKeys: String, CodingKey {
        case name, deviceType = "device_type", description, location, firmwareVersion = "firmware_version", hardwareVersion = "hardware_version"
    }

    var command: RegisterDevice {
        RegisterDevice(
            name: self.name, deviceType: self.deviceType, description: self.description, location: self.location,
            firmwareVersion: self.firmwareVersion, hardwareVersion: self.hardwareVersion
        )
    }
}

/// `PUT /devices/{id}` and `PUT /admin/devices/{id}`: every field optional; `null` clears an optional field.
struct DeviceUpdateRequest: Decodable, Sendable {
    let update: DeviceUpdate

    private enum Keys: String, CodingKey {
        case name, deviceType = "device_type", description, location, firmwareVersion = "firmware_version", hardwareVersion = "hardware_version"
        case status
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var update = DeviceUpdate()
        update.name = try container.decodeChange(String.self, forKey: .name)
        update.deviceType = try container.decodeChange(String.self, forKey: .deviceType)
        update.description = try container.decodeChange(String.self, forKey: .description)
        update.location = try container.decodeChange(String.self, forKey: .location)
        update.firmwareVersion = try container.decodeChange(String.self, forKey: .firmwareVersion)
        update.hardwareVersion = try container.decodeChange(String.self, forKey: .hardwareVersion)
        update.status = try container.decodeChange(String.self, forKey: .status)
        self.update = update
    }
}

/// `PUT /devices/config`: what a device may change about itself.
struct DeviceSelfUpdateRequest: Decodable, Sendable {
    let update: DeviceSelfUpdate

    private enum Keys: String, CodingKey {
        case status, location, firmwareVersion = "firmware_version", hardwareVersion = "hardware_version", config
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var update = DeviceSelfUpdate()
        update.status = try container.decodeChange(String.self, forKey: .status)
        update.location = try container.decodeChange(String.self, forKey: .location)
        update.firmwareVersion = try container.decodeChange(String.self, forKey: .firmwareVersion)
        update.hardwareVersion = try container.decodeChange(String.self, forKey: .hardwareVersion)
        update.config = try container.decodeChange(JSONObject.self, forKey: .config)
        self.update = update
    }
}

/// `PUT /admin/devices/{id}/status`.
struct DeviceStatusRequest: Decodable, Sendable {
    let status: FieldChange<String>

    private enum Keys: String, CodingKey { case status }

    init(from decoder: any Decoder) throws {
        self.status = try decoder.container(keyedBy: Keys.self).decodeChange(String.self, forKey: .status)
    }
}

/// `PUT /devices/{id}/config`.
struct DeviceConfigRequest: Decodable, Sendable {
    let config: FieldChange<JSONObject>

    private enum Keys: String, CodingKey { case config }

    init(from decoder: any Decoder) throws {
        self.config = try decoder.container(keyedBy: Keys.self).decodeChange(JSONObject.self, forKey: .config)
    }
}
