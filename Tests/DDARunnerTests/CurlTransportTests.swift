import Foundation
import Testing

@testable import DDARunner

/// The runner's HTTP client keeps its connections: found by following README "Scaling out"
/// over HTTPS, where a new connection per request cost the runner about 30 ms (TCP + TLS
/// handshake + reading the CA bundle) on every poll and result.
@Suite("Runner HTTP client")
struct CurlTransportTests {
    /// A keep-alive HTTP/1.1 server on loopback that answers each request with the client
    /// port of its connection (so a test sees whether requests shared one); `/close` also
    /// closes the connection after answering.
    final class PortEcho {
        let process = Process()
        let port: Int

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [
                "-c",
                """
                import http.server
                class H(http.server.BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.1"
                    def do_POST(self):
                        n = int(self.headers.get("Content-Length", "0"))
                        data = self.rfile.read(n)
                        self.reply("POST %d %d %s" % (self.client_address[1], n, data.decode()))
                    def reply(self, text):
                        body = text.encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def do_GET(self):
                        if self.path == "/echo":
                            return self.reply("GET %d %s %s" % (self.client_address[1],
                                self.headers.get("Content-Length", "-"), self.headers.get("X-Test", "-")))
                        body = str(self.client_address[1]).encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        if self.path == "/close":
                            self.send_header("Connection", "close")
                            self.close_connection = True
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *a): pass
                s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
                print(s.server_address[1], flush=True)
                s.serve_forever()
                """,
            ]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The first line is the port, written once the socket listens.
            var line = Data()
            while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                line += byte
            }
            guard let port = Int(String(decoding: line, as: UTF8.self)) else {
                kill(process.processIdentifier, SIGKILL)
                throw CocoaError(.fileReadCorruptFile)
            }
            self.port = port
        }

        /// SIGKILL: the test runner's blocked signals are inherited, so a SIGTERM would wait.
        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        func get(_ transport: CurlTransport, _ path: String) throws -> String {
            let response = try transport.send(method: "GET", url: "http://127.0.0.1:\(port)\(path)", timeoutSeconds: 10)
            #expect(response.status == 200)
            return String(decoding: response.body, as: UTF8.self)
        }
    }

    @Test("requests one after another share one connection and one handle")
    func keepAlive() throws {
        let server = try PortEcho()
        let transport = CurlTransport()
        let ports = try (0..<3).map { _ in try server.get(transport, "/a") }
        #expect(Set(ports).count == 1, "one client port for all three: \(ports)")
        #expect(transport.idleHandles == 1)
    }

    /// Found in review: without the reset when a handle goes back to the pool, a GET after
    /// a POST on the same handle would go out with the POST's body and headers.
    @Test("a GET after a POST on the same connection carries neither the POST's body nor its headers")
    func noStateBetweenRequests() throws {
        let server = try PortEcho()
        let transport = CurlTransport()
        let url = "http://127.0.0.1:\(server.port)/echo"
        let post = try transport.send(
            method: "POST", url: url, headers: ["X-Test: yes", "Content-Type: application/json"],
            body: Array(#"{"a":1}"#.utf8), timeoutSeconds: 10)
        let postWords = String(decoding: post.body, as: UTF8.self).split(separator: " ")
        #expect(postWords.count == 4 && postWords[0] == "POST" && postWords[2] == "7" && postWords[3] == #"{"a":1}"#)
        let get = try transport.send(method: "GET", url: url, timeoutSeconds: 10)
        let getWords = String(decoding: get.body, as: UTF8.self).split(separator: " ")
        #expect(getWords.count == 4 && getWords[0] == "GET", "\(getWords)")
        #expect(getWords.count == 4 && getWords[1] == postWords[1], "the same connection")
        #expect(
            getWords.count == 4 && getWords[2] == "-" && getWords[3] == "-",
            "no body, no header of the POST: \(getWords)")
    }

    @Test("a connection the server closed is replaced by a new one, without an error")
    func closedByServer() throws {
        let server = try PortEcho()
        let transport = CurlTransport()
        let first = try server.get(transport, "/close")
        let second = try server.get(transport, "/a")
        let third = try server.get(transport, "/a")
        #expect(first != second, "a new connection after Connection: close")
        #expect(second == third)
    }

    @Test("a failed request leaves no handle behind")
    func failureDropsHandle() throws {
        let server = try PortEcho()
        let port = server.port
        let transport = CurlTransport(connectTimeoutSeconds: 2)
        _ = try server.get(transport, "/a")
        #expect(transport.idleHandles == 1)
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        #expect(throws: TransportError.self) {
            try transport.send(method: "GET", url: "http://127.0.0.1:\(port)/a", timeoutSeconds: 5)
        }
        #expect(transport.idleHandles == 0)
    }
}
