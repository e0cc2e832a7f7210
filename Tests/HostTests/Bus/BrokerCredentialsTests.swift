import Foundation
import Testing
@testable import Host

/// Where the RabbitMQ bus finds its credentials, and how a bad file is reported.
@Suite struct BrokerCredentialsTests {
    let endpoint = BrokerEndpoint(host: "mq", port: 5672)

    func write(_ text: String, _ name: String = "cred") throws -> String {
        let dir = try TestPaths.makeTemporaryDirectory("cred")
        try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
        return "\(dir)/\(name)"
    }

    @Test func fileThenSystemdCredentialThenURLThenGuest() throws {
        let file = try write("svc:s3cr:et\n")
        let fromFile = try RabbitMQBus.credentials(settings: RabbitMQSettings(credentialsFile: file), endpoints: [endpoint],
                                                   environment: [:])
        #expect(fromFile == BrokerCredentials(user: "svc", password: "s3cr:et"))

        let systemd = try write("agent:pw", "rabbitmq")
        let dir = (systemd as NSString).deletingLastPathComponent
        let fromSystemd = try RabbitMQBus.credentials(settings: RabbitMQSettings(), endpoints: [endpoint],
                                                      environment: ["CREDENTIALS_DIRECTORY": dir])
        #expect(fromSystemd == BrokerCredentials(user: "agent", password: "pw"))

        let fromURL = try RabbitMQBus.credentials(settings: RabbitMQSettings(), endpoints: [endpoint.with(user: "u", password: "p")],
                                                  environment: ["CREDENTIALS_DIRECTORY": "/nonexistent"])
        #expect(fromURL == BrokerCredentials(user: "u", password: "p"))
        #expect(try RabbitMQBus.credentials(settings: RabbitMQSettings(), endpoints: [endpoint], environment: [:])
                == BrokerCredentials(user: "guest", password: "guest"))
    }

    @Test func badFilesAreNamed() throws {
        let malformed = try write("just-a-password\n")
        #expect(throws: RabbitMQBusError(message: "\(malformed):1: expected 'user:password'")) {
            try RabbitMQBus.credentials(settings: RabbitMQSettings(credentialsFile: malformed), endpoints: [endpoint], environment: [:])
        }
        #expect(throws: RabbitMQBusError(message: "bus.rabbitmq.credentials_file: cannot read /nonexistent/cred: No such file or directory")) {
            try RabbitMQBus.credentials(settings: RabbitMQSettings(credentialsFile: "/nonexistent/cred"), endpoints: [endpoint],
                                        environment: [:])
        }
    }
}
