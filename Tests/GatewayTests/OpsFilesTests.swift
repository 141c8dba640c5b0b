import Foundation
import TestSupport
import Testing

/// The deployment files in `ops/` are checked, not just written.
@Suite("Ops files", .timeLimit(.minutes(2)))
struct OpsFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let ops = root.appendingPathComponent("ops")

    static func files(withExtensions extensions: Set<String>) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: ops, includingPropertiesForKeys: nil)
        return (enumerator?.allObjects as? [URL] ?? []).filter { extensions.contains($0.pathExtension) }.sorted { $0.path < $1.path }
    }

    @Test func everyYAMLFileParses() async throws {
        let files = Self.files(withExtensions: ["yaml", "yml"])
        #expect(files.count >= 6)
        for file in files {
            let result = try await ChildProcess.run(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import sys, yaml; docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]; assert docs, 'empty'",
                    file.path,
                ])
            #expect(result.status == 0, "\(file.lastPathComponent): \(result.standardError)")
        }
    }

    @Test func kubernetesManifestsHaveProbesAndBudgets() async throws {
        let gateway = try String(contentsOf: Self.ops.appendingPathComponent("k8s/gateway.yaml"), encoding: .utf8)
        for kind in [
            "kind: Deployment", "kind: HorizontalPodAutoscaler", "kind: PodDisruptionBudget", "readinessProbe", "livenessProbe",
            "/health/ready",
        ] {
            #expect(gateway.contains(kind), "gateway.yaml lacks \(kind)")
        }
        let redis = try String(contentsOf: Self.ops.appendingPathComponent("redis/redis.conf"), encoding: .utf8)
        #expect(redis.contains("maxmemory-policy noeviction"))
        #expect(redis.contains("appendfsync everysec"))
    }

    @Test func renderedNginxConfigPassesNginxT() async throws {
        let nginx = "/usr/sbin/nginx"
        try #require(FileManager.default.isExecutableFile(atPath: nginx), "make test installs nginx")
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: prefix) }
        let template = try String(contentsOf: Self.ops.appendingPathComponent("nginx/nginx.conf.template"), encoding: .utf8)
        let config =
            template
            .replacingOccurrences(
                of: "__UPSTREAMS__",
                with: "server 127.0.0.1:8001 max_fails=2 fail_timeout=5s;\n        server 127.0.0.1:8002 max_fails=2 fail_timeout=5s;"
            )
            .replacingOccurrences(of: "__PORT__", with: "18000")
            .replacingOccurrences(of: "__PREFIX__", with: prefix.path)
            .replacingOccurrences(of: "__OPS__", with: Self.ops.path)
            .replacingOccurrences(of: "__READ_TIMEOUT__", with: "11")
        let file = prefix.appendingPathComponent("nginx.conf")
        try config.write(to: file, atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run(nginx, ["-t", "-q", "-p", prefix.path, "-c", file.path])
        #expect(result.status == 0, "\(result.standardError)")
    }

    @Test func systemdUnitsVerify() async throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else { return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (unit, binary) in [("order-gateway@.service", "gateway"), ("order-worker@.service", "worker")] {
            // The unit names the installed path; point it at this build so verify can check it.
            let text = try String(contentsOf: Self.ops.appendingPathComponent("systemd/\(unit)"), encoding: .utf8)
                .replacingOccurrences(
                    of: "/usr/local/bin/\(binary)", with: ChildProcess.productsDirectory.appendingPathComponent(binary).path
                )
                .replacingOccurrences(of: "User=orders", with: "User=root")
                .replacingOccurrences(of: "EnvironmentFile=/etc/order-platform/env", with: "EnvironmentFile=-/etc/order-platform/env")
            let instance = folder.appendingPathComponent(unit.replacingOccurrences(of: "@.", with: "@9000."))
            try text.write(to: instance, atomically: true, encoding: .utf8)
            let result = try await ChildProcess.run(analyze, ["verify", "--man=no", instance.path])
            let problems = result.standardError.split(separator: "\n").filter { !$0.contains("Failed to connect") && !$0.contains("bus") }
            #expect(result.status == 0 || problems.isEmpty, "\(unit): \(result.standardError)")
        }
    }
}
