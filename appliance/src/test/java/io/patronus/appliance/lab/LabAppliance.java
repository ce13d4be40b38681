package io.patronus.appliance.lab;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.appliance.ApplianceMain;
import io.patronus.model.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real appliance process (its own JVM) running inside a lab site's namespace with real wireguard-go tunnels, and
 * a way to call its API there: the API listens on the namespace's loopback, so requests go through
 * {@code ip netns exec NS curl}.
 */
public final class LabAppliance implements AutoCloseable {
    private final Lab lab;
    private final int site;
    private final Path dataDir;
    private final Path config;
    private Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private String password;
    private String token;

    private LabAppliance(Lab lab, int site, Path dir) {
        this.lab = lab;
        this.site = site;
        this.dataDir = dir.resolve("site" + site);
        this.config = dir.resolve("site" + site + ".yaml");
    }

    /** Writes the site's config (links on the lab's WAN interfaces, userspace WireGuard) and starts the appliance. */
    public static LabAppliance start(Lab lab, int site, Path dir, String password) throws IOException {
        return start(lab, site, dir, password, "");
    }

    /** As above, with more top-level YAML appended to the site's configuration (e.g. failover or SLA settings). */
    public static LabAppliance start(Lab lab, int site, Path dir, String password, String extraYaml) throws IOException {
        LabAppliance a = new LabAppliance(lab, site, dir);
        StringBuilder links = new StringBuilder();
        int priority = 10;
        for (String c : lab.colours()) {
            links.append("  - { name: ").append(c).append(", iface: wan-").append(c).append(", colour: ").append(c)
                    .append(", priority: ").append(priority).append(", bandwidthKbps: 100000 }\n");
            priority += 10;
        }
        Files.writeString(a.config, """
                site: { id: site%d, name: "Lab site %d" }
                api: { host: 127.0.0.1, port: 8081 }
                dataDir: %s
                dataPlane: { mode: userspace, lanInterface: lan0, bpfPinDir: %s }
                links:
                %s%s""".formatted(site, site, a.dataDir, lab.describe(site).get("BPF_PIN_DIR"), links, extraYaml));
        a.password = password;
        a.launch();
        return a;
    }

    private void launch() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.namespace(site), java, "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), ApplianceMain.class.getName(), "--config", config.toString()));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (output.stream().noneMatch(l -> l.startsWith("API listening on "))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("appliance of site " + site + " did not start: " + String.join("\n", output));
            }
            sleep(100);
        }
        output.stream().filter(l -> l.contains("user 'admin', password '")).findFirst()
                .ifPresent(l -> password = l.replaceAll(".*password '([^']*)'.*", "$1"));
        token = null;
    }

    /** Kills the JVM with SIGKILL (wireguard-go keeps running, as after a crash) and starts it again. */
    public void killAndRestart() throws IOException, InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        output.clear();
        launch();
    }

    public String adminPassword() {
        return password;
    }

    public int site() {
        return site;
    }

    /** An API call from inside the namespace; returns the parsed JSON answer (null for an empty body). */
    public JsonNode api(String method, String path, String body) {
        if (token == null && !path.equals("/v1/auth/login")) {
            token = api("POST", "/v1/auth/login", "{\"username\":\"admin\",\"password\":\"" + password + "\"}").get("token").asText();
        }
        List<String> args = new ArrayList<>(List.of("curl", "-sS", "-m", "20", "-X", method, "-w", "\n%{http_code}",
                "-H", "Content-Type: application/json"));
        if (token != null) {
            args.addAll(List.of("-H", "Authorization: Bearer " + token));
        }
        if (body != null) {
            args.addAll(List.of("--data-binary", body));
        }
        args.add("http://127.0.0.1:8081" + path);
        Lab.Result r = lab.exec(Integer.toString(site), args.toArray(String[]::new));
        String out = r.output().strip();
        int nl = out.lastIndexOf('\n');
        String status = nl < 0 ? out : out.substring(nl + 1);
        String json = nl < 0 ? "" : out.substring(0, nl);
        if (r.exitCode() != 0 || !status.startsWith("2")) {
            List<String> log = new ArrayList<>(output);
            throw new IllegalStateException(method + " " + path + " on site " + site + " failed (" + status + "): " + json
                    + "\nlast appliance log lines:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size())));
        }
        try {
            return json.isEmpty() ? null : Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON from site " + site + ": " + json, e);
        }
    }

    /** The appliance's last {@code lines} log lines, for a failure message. */
    public String logTail(int lines) {
        List<String> log = new ArrayList<>(output);
        return String.join("\n", log.subList(Math.max(0, log.size() - lines), log.size()));
    }

    public String publicKey() {
        return api("GET", "/v1/health", null).get("publicKey").asText();
    }

    /** The site registration another appliance needs to build tunnels to this one. */
    public String registration() {
        StringBuilder eps = new StringBuilder();
        int i = 0;
        for (String c : lab.colours()) {
            String wan = lab.describe(site).get("WAN_" + c.toUpperCase());
            eps.append(eps.isEmpty() ? "" : ",").append('"').append(c).append("\":\"").append(wan).append(':').append(51820 + i).append('"');
            i++;
        }
        return """
                {"id":"site%d","name":"Lab site %d","publicKey":"%s","endpoints":{%s},"lanPrefixes":["100.64.%d.0/24"]}"""
                .formatted(site, site, publicKey(), eps, site);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
