import Host
import NIOSSL

/// The HTTP API's TLS material from `[http] tls_cert_file` / `tls_key_file`, loaded and
/// checked before nazard starts anything, so a bad file stops the start with a message
/// naming it instead of leaving a daemon that runs without its API.
///
/// Checked: both files can be read; the certificate file holds at least one PEM
/// certificate (the server's first, then its chain); the key file holds an unencrypted
/// PEM private key; the key belongs to the first certificate (TLS context creation fails
/// otherwise). Called once at start, from any thread.
enum ServerTLS {
    /// PEM files are small; anything this big is not one.
    static let maximumFileSize = 1 << 20

    /// A server configuration for `certPath` and `keyPath`.
    static func load(certPath: String, keyPath: String) throws(APIServerError) -> TLSConfiguration {
        let certBytes = try read(certPath, setting: "tls_cert_file")
        let keyBytes = try read(keyPath, setting: "tls_key_file")
        // NIOSSL's errors here say only "failed to load": the file is named, say what it lacks.
        guard let chain = try? NIOSSLCertificate.fromPEMBytes(certBytes), !chain.isEmpty else {
            throw .badFile(setting: "tls_cert_file", path: certPath,
                           reason: "no PEM certificate in it (expected -----BEGIN CERTIFICATE-----, the server's first)")
        }
        // BoringSSL's default for an encrypted key is a passphrase prompt on stdin: a
        // daemon has nobody to answer it, so say so instead.
        if String(decoding: keyBytes, as: UTF8.self).contains("ENCRYPTED") {
            throw .badFile(setting: "tls_key_file", path: keyPath,
                           reason: "the key is encrypted; nazard cannot ask for a passphrase (decrypt it: openssl pkey -in KEY -out KEY.plain)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem) { (setPassphrase: NIOSSLPassphraseSetter<[UInt8]>) in
                setPassphrase([])
            }
        } catch {
            throw .badFile(setting: "tls_key_file", path: keyPath,
                           reason: "not a PEM private key (expected -----BEGIN PRIVATE KEY----- or an RSA/EC key)")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        // Building a context is where BoringSSL compares the key with the certificate.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch NIOSSLError.failedToLoadPrivateKey {
            throw .keyMismatch(keyPath: keyPath, certPath: certPath)
        } catch {
            throw .tlsContext(certPath: certPath, keyPath: keyPath, reason: "\(error)")
        }
        return configuration
    }

    /// The whole file; an empty one is refused here (NIOSSL would only say "failed to load").
    private static func read(_ path: String, setting: String) throws(APIServerError) -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try SmallFile.contents(of: path, maximumSize: maximumFileSize).bytes
        } catch {
            throw .badFile(setting: setting, path: path, reason: error.message)
        }
        guard !bytes.isEmpty else { throw .badFile(setting: setting, path: path, reason: "the file is empty") }
        return bytes
    }
}
