import Foundation
import Testing
@testable import Host

/// `amqps://` against the test broker's TLS listener (scripts/start-rabbitmq, with the
/// throwaway CA of scripts/make-test-certs): the broker's certificate is verified, a
/// wrong trust anchor or an untrusted client certificate is refused with the reason, and
/// nazard finds its broker password in the systemd credential directory.
@Suite(.serialized) struct RabbitMQTLSTests {
    let ca = "\(TestBroker.tlsDirectory)/ca.pem"
    let otherCA = "\(TestBroker.tlsDirectory)/other-ca.pem"
    var tlsEndpoint: BrokerEndpoint { BrokerEndpoint(host: "127.0.0.1", port: TestBroker.tlsPort, tls: true) }

    /// Opens one TLS connection with the test login and the given files.
    func open(ca: String?, cert: String? = nil, key: String? = nil) throws(AMQPError) {
        let settings = RabbitMQSettings(urls: [TestBroker.tlsURL], vhost: TestBroker.vhost, tlsCAFile: ca, tlsCertFile: cert,
                                        tlsKeyFile: key, timeout: .seconds(5))
        let c = try AMQPConnection.open(tlsEndpoint, vhost: TestBroker.vhost,
                                        credentials: BrokerCredentials(user: TestBroker.user, password: TestBroker.password),
                                        settings: settings, confirms: true)
        c.close(polite: true)
    }

    @Test func pointsFlowOverAMQPSVerifiedAgainstTheTestCA() throws {
        guard TestBroker.available() else { return }
        let run = TestBroker.runID()
        let dir = try TestPaths.makeTemporaryDirectory("tls")
        let agent = try TestBroker.bus(host: "agent-\(run)", dir: "\(dir)/agent") {
            $0.urls = [TestBroker.tlsURL]
            $0.tlsCAFile = ca
        }
        let central = try TestBroker.bus(host: "central-\(run)", dir: "\(dir)/central") {
            $0.urls = [TestBroker.tlsURL]
            $0.tlsCAFile = ca
        }
        defer { agent.close(); central.close() }
        let recorder = PointRecorder(queue: central.subscribePoints(name: "rec", patterns: [try BindingPattern("metrics.agent-\(run).#")]),
                                     registry: central.registry)
        defer { recorder.stop() }
        try TestBroker.waitForConsumer(central.queueName(for: "rec"))
        #expect(try publishSequence(agent, metric: "cpu.usage", from: 0, count: 20_000, series: 4, batch: 1_000) == 0)
        #expect(recorder.wait(for: 20_000, timeout: .seconds(30)), "received \(recorder.distinct) of 20000 over TLS")
        #expect(agent.state == .connected)
        #expect(agent.selfMetrics.first { $0.0 == "nazar.bus.spooled_points" }?.1 == 0, "nothing went to the spool")
    }

    @Test func aCAThatDidNotSignTheBrokerIsRefusedWithURLAndReason() throws {
        guard TestBroker.available() else { return }
        do throws(AMQPError) {
            try open(ca: otherCA)
            Issue.record("a broker certificate the CA did not sign was accepted")
        } catch {
            #expect(error.kind == .configuration)
            #expect(error.message.contains(TestBroker.tlsURL), "names the URL: \(error.message)")
            #expect(error.message.contains("certificate verify failed"), "names the verify failure: \(error.message)")
            #expect(error.message.contains(otherCA), "names the CA file: \(error.message)")
        }
        // Through the bus: refused, said so in its state, points kept in the spool.
        let dir = try TestPaths.makeTemporaryDirectory("tls")
        let agent = try TestBroker.bus(host: "agent-\(TestBroker.runID())", dir: dir) {
            $0.urls = [TestBroker.tlsURL]
            $0.tlsCAFile = otherCA
        }
        defer { agent.close() }
        #expect(try publishSequence(agent, metric: "cpu.usage", from: 0, count: 500, series: 1, batch: 100) == 0)
        let deadline = ContinuousClock.now + .seconds(10)
        while agent.state != .authFailed && ContinuousClock.now < deadline { usleep(50_000) }
        #expect(agent.state == .authFailed)
        #expect(agent.selfMetrics.first { $0.0 == "nazar.bus.spooled_points" }?.1 == 500)
    }

    @Test func aClientCertificateIsVerifiedByTheBroker() throws {
        guard TestBroker.available() else { return }
        let dir = TestBroker.tlsDirectory
        // Signed by the broker's CA: accepted.
        try open(ca: ca, cert: "\(dir)/client.pem", key: "\(dir)/client.key")
        // Signed by a CA the broker does not trust: the broker refuses the connection.
        do throws(AMQPError) {
            try open(ca: ca, cert: "\(dir)/other-client.pem", key: "\(dir)/other-client.key")
            Issue.record("a client certificate from an untrusted CA was accepted")
        } catch {
            // With TLS 1.3 the broker checks the client certificate after the client's side of
            // the handshake is done, so the refusal shows either at the handshake ("unknown
            // ca") or on the first read, during login; either way the connection is refused
            // and the message says it was TLS. (Reading OpenSSL's alert on the login path
            // too, so it always names "unknown ca", is left to do.)
            let named = error.message.contains("unknown ca") || error.message.contains("SSL error")
            #expect(named && (error.message.contains("TLS") || error.message.contains("SSL")), "names the refusal: \(error.message)")
        }
        // A missing key file is a local problem, named.
        do throws(AMQPError) {
            try open(ca: ca, cert: "\(dir)/client.pem", key: "/nonexistent/client.key")
            Issue.record("a missing key file was accepted")
        } catch {
            #expect(error.kind == .configuration)
            #expect(error.message.contains("/nonexistent/client.key"), "\(error.message)")
        }
    }

    /// The packaged unit passes the broker login with `LoadCredential=rabbitmq:…`; nazard
    /// must find it in `$CREDENTIALS_DIRECTORY` with no credentials_file in nazar.toml.
    @Test func nazardTakesItsBrokerLoginFromTheSystemdCredentialOverTLS() throws {
        guard TestBroker.available() else { return }
        let run = TestBroker.runID()
        let dir = try TestPaths.makeTemporaryDirectory("tls")
        let tls = "tls_ca_file = \"\(ca)\""
        for (name, password, expected) in [("good", TestBroker.password, "bus connected"), ("bad", "wrong", "bus auth_failed")] {
            let credentials = "\(dir)/\(name)-credentials"
            mkdir(credentials, 0o700)
            try "\(TestBroker.user):\(password)\n".write(toFile: "\(credentials)/rabbitmq", atomically: true, encoding: .utf8)
            let config = try BrokerDaemons.writeConfig("\(dir)/\(name)", host: "cred-\(name)-\(run)", url: TestBroker.tlsURL,
                                                       credentialsFile: false, brokerExtra: tls, plugins: [:])
            let nazard = try NazardProcess(config: config, dir: "\(dir)/\(name)", environment: ["CREDENTIALS_DIRECTORY": credentials])
            let ready = nazard.notify.wait(for: .seconds(15)) { $0.contains("READY=1") }.match ?? ""
            if !ready.contains(expected) {
                let status = nazard.notify.wait(for: .seconds(15)) { $0.contains(expected) }
                #expect(status.match != nil, "\(name) credential: STATUS= says \(expected); saw \(ready) then \(status.seen)")
            }
            #expect(nazard.stop() == 0)
            if name == "bad" {
                #expect(nazard.stderrText.contains("user 'nazar'"), "the refusal names the user")
            }
        }
    }
}
