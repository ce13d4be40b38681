package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CliException;
import io.patronus.common.cli.CommandGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** {@code patronus wg show|export}: the tunnels as the appliance reads them from its WireGuard devices. */
@Command(name = "wg", description = "WireGuard tunnels of the data plane.",
        subcommands = {WgCommand.Show.class, WgCommand.Export.class})
final class WgCommand extends CommandGroup {

    @Command(name = "show", description = "Interfaces and peers with handshakes and traffic, like `wg show` (never the private key).")
    static final class Show extends CliCommand {
        @Override
        public Integer call() {
            JsonNode answer = client().get("/v1/wg");
            switch (format()) {
                case json -> printJson(answer);
                case ids -> answer.path("interfaces").forEach(i -> out().println(i.path("interface").asText()));
                case table -> {
                    Instant now = Instant.now();
                    boolean first = true;
                    for (JsonNode i : answer.path("interfaces")) {
                        if (!first) {
                            out().println();
                        }
                        first = false;
                        out().println("interface: " + i.path("interface").asText() + "  (" + answer.path("backend").asText() + ")");
                        out().println("  public key: " + i.path("publicKey").asText());
                        out().println("  listening port: " + i.path("listenPort").asInt());
                        for (JsonNode p : i.path("peers")) {
                            out().println();
                            String site = p.path("site").asText("");
                            out().println("peer: " + p.path("publicKey").asText() + (site.isEmpty() ? "" : "  (site " + site + ")"));
                            if (p.hasNonNull("endpoint")) {
                                out().println("  endpoint: " + p.path("endpoint").asText());
                            }
                            StringBuilder ips = new StringBuilder();
                            p.path("allowedIps").forEach(a -> ips.append(ips.isEmpty() ? "" : ", ").append(a.asText()));
                            out().println("  allowed ips: " + (ips.isEmpty() ? "(none)" : ips));
                            out().println("  latest handshake: " + ago(p.path("latestHandshake").asText(""), now));
                            out().println("  transfer: " + bytes(p.path("rxBytes").asLong()) + " received, "
                                    + bytes(p.path("txBytes").asLong()) + " sent");
                            if (p.path("persistentKeepalive").asInt() > 0) {
                                out().println("  persistent keepalive: every " + p.path("persistentKeepalive").asInt() + " seconds");
                            }
                        }
                    }
                    if (first) {
                        out().println("(no WireGuard interfaces; data plane " + answer.path("backend").asText() + ")");
                    }
                }
            }
            return 0;
        }

        static String ago(String iso, Instant now) {
            if (iso.isEmpty()) {
                return "(none yet)";
            }
            try {
                long s = Math.max(0, Duration.between(Instant.parse(iso), now).toSeconds());
                return s < 120 ? s + " seconds ago" : s / 60 + " minutes, " + s % 60 + " seconds ago";
            } catch (DateTimeParseException e) {
                return iso;
            }
        }

        static String bytes(long n) {
            if (n < 1024) {
                return n + " B";
            }
            if (n < 1024 * 1024) {
                return String.format(java.util.Locale.ROOT, "%.2f KiB", n / 1024.0);
            }
            if (n < 1024L * 1024 * 1024) {
                return String.format(java.util.Locale.ROOT, "%.2f MiB", n / 1048576.0);
            }
            return String.format(java.util.Locale.ROOT, "%.2f GiB", n / 1073741824.0);
        }
    }

    @Command(name = "export", description = "Print one colour's interface as a wg-quick file (the private key stays on the appliance).")
    static final class Export extends CliCommand {
        @Option(names = "--colour", required = true, description = "Link colour, e.g. fiber.")
        String colour;

        @Override
        public Integer call() {
            if (!colour.matches("[a-z][a-z0-9]{0,11}")) {
                throw CliException.usage("--colour must be a colour name like fiber or lte, was '" + colour + "'");
            }
            out().print(client().getText("/v1/wg/" + ApplianceClient.segment(colour) + "/export"));
            out().flush();
            return 0;
        }
    }
}
