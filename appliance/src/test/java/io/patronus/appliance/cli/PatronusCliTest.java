package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.model.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI against a {@link FakeAppliance} on a real socket: argument checking, what each command sends, how it prints
 * canned answers, the token file and the errors. {@link PatronusCliIntegrationTest} drives it against a real appliance.
 */
class PatronusCliTest {
    static final Instant NOW = Instant.parse("2026-11-23T09:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String TOKEN = "header.payload.signature";

    @TempDir
    Path dir;
    FakeAppliance api;
    Map<String, String> env;

    @BeforeEach
    void start() throws IOException {
        api = new FakeAppliance();
        env = new HashMap<>(Map.of("PATRONUS_TOKEN_FILE", dir.resolve("token").toString(), "HOME", dir.toString()));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    CliRun cli(String... args) {
        return CliRun.run(env, "", CLOCK, args);
    }

    CliRun cliWithInput(String stdin, String... args) {
        return CliRun.run(env, stdin, CLOCK, args);
    }

    /** As after `patronus login` to the fake appliance. */
    void loggedIn() {
        TokenFile.save(dir.resolve("token"), new TokenFile.Saved(api.uri().toString(), TOKEN, "2026-11-23T21:00:00Z"));
    }

    static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---- usage errors ------------------------------------------------------------------------------------------------

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of(), "needs a subcommand"),
                Arguments.of(List.of("sites"), "`patronus sites` needs a subcommand: list, show, add, remove"),
                Arguments.of(List.of("sites", "frobnicate"), "frobnicate"),
                Arguments.of(List.of("--format", "yaml", "sites", "list"), "--format"),
                Arguments.of(List.of("sites", "list", "--status", "gone"), "--status must be active or inactive, was 'gone'"),
                Arguments.of(List.of("sites", "show"), "ID"),
                Arguments.of(List.of("sites", "add", "--id", "x"), "sites add needs --name, --public-key (or --file)"),
                Arguments.of(List.of("sites", "add", "--id", "x", "--name", "n", "--public-key", "k", "--endpoint", "nonsense"),
                        "--endpoint must be COLOUR=HOST:PORT"),
                Arguments.of(List.of("sites", "add", "--id", "x", "--name", "n", "--public-key", "k", "--endpoint", "a=h:1",
                        "--endpoint", "a=h:2"), "colour a twice"),
                Arguments.of(List.of("sites", "add", "--id", "x", "--name", "n", "--public-key", "k", "--status", "maybe"),
                        "--status must be active or inactive"),
                Arguments.of(List.of("sites", "add", "--file", "site.json", "--id", "x"), "either --file or the site flags"),
                Arguments.of(List.of("sites", "add", "--file", "/no/such/site.json"), "does not exist"),
                Arguments.of(List.of("policies", "create", "--id", "p"), "needs --name, --priority, --action"),
                Arguments.of(List.of("policies", "create", "--id", "p", "--name", "n", "--priority", "1", "--action", "teleport"),
                        "--action must be route, drop or rate_limit, was 'teleport'"),
                Arguments.of(List.of("policies", "create", "--id", "p", "--name", "n", "--priority", "1", "--action", "route",
                        "--primary", "fiber"), "--action route needs --primary, --backup and --failover-threshold"),
                Arguments.of(List.of("policies", "create", "--id", "p", "--name", "n", "--priority", "1", "--action", "drop",
                        "--kbps", "5"), "--kbps does not apply to --action drop"),
                Arguments.of(List.of("policies", "create", "--id", "p", "--name", "n", "--priority", "high", "--action", "drop"),
                        "--priority"),
                Arguments.of(List.of("policies", "create", "--id", "p", "--name", "n", "--priority", "1", "--dscp", "ef",
                        "--action", "drop"), "--dscp"),
                Arguments.of(List.of("policies", "create", "--id", "p", "--name", "n", "--priority", "1", "--protocol", "sctp",
                        "--action", "drop"), "--protocol must be any, icmp, tcp, udp or icmpv6"),
                Arguments.of(List.of("policies", "update", "p"), "needs --file or at least one policy flag"),
                Arguments.of(List.of("policies", "update", "p", "--action", "warp"), "--action must be"),
                Arguments.of(List.of("paths", "list", "--status", "sideways"), "--status must be up, degraded, down or unknown"),
                Arguments.of(List.of("paths", "history", "a:b:fiber", "--since", "yesterday"), "--since must be an ISO-8601 instant"),
                Arguments.of(List.of("paths", "history", "a:b:fiber", "--until", "10x"), "--until must be"),
                Arguments.of(List.of("login", "--password", "a", "--password-stdin"), "either --password or --password-stdin"),
                Arguments.of(List.of("login", "--password-stdin"), "the password is empty"),
                Arguments.of(List.of("login"), "use --password-stdin"),
                Arguments.of(List.of("--api", "ftp://example.net", "status"), "must be an http:// or https:// URL"),
                Arguments.of(List.of("--api", "not a url", "status"), "is not a URL"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    void usageError_exits2_sayingWhat_andSendsNothing(List<String> args, String message) {
        loggedIn();
        env.put("PATRONUS_API_URL", api.uri().toString());
        CliRun r = cli(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(message), r.toString());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
        assertEquals(List.of(), api.requests().stream().filter(q -> !q.method().equals("GET")).toList(), "nothing changed");
    }

    @Test
    void help_onAnySubcommand_exits0() {
        CliRun r = cli("paths", "history", "--help");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("--since=WHEN"), r.out());
    }

    // ---- output formats ----------------------------------------------------------------------------------------------

    static final String SITES = """
            {"items":[
              {"id":"branch-2","name":"Branch 2","location":"Lyon","publicKey":"k2","endpoints":{"fiber":"192.0.2.10:51820","lte":"198.51.100.7:51820"},
               "lanPrefixes":["10.2.0.0/16","fd00:2::/48"],"status":"active","createdAt":"2026-11-20T10:00:00Z"},
              {"id":"dc-1","name":"Data centre","publicKey":"k1","endpoints":{},"lanPrefixes":[],"status":"inactive","createdAt":"2026-11-21T10:00:00Z"}]}""";

    @Test
    void sitesList_table_alignsColumnsUnderAHeader() {
        loggedIn();
        api.answer("GET", "/v1/sites", SITES);
        CliRun r = cli("sites", "list");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of(
                "ID        NAME         LOCATION  STATUS    ENDPOINTS                                      LAN PREFIXES",
                "branch-2  Branch 2     Lyon      active    fiber=192.0.2.10:51820 lte=198.51.100.7:51820  10.2.0.0/16 fd00:2::/48",
                "dc-1      Data centre  -         inactive"), r.lines());
    }

    @Test
    void sitesList_ids_printsOneIdPerLine() {
        loggedIn();
        api.answer("GET", "/v1/sites?status=active", SITES);
        CliRun r = cli("sites", "list", "--status", "active", "--format", "ids");
        assertEquals(List.of("branch-2", "dc-1"), r.lines(), r.toString());
    }

    @Test
    void sitesList_json_printsTheAppliancesAnswerPrettily() {
        loggedIn();
        api.answer("GET", "/v1/sites", SITES);
        CliRun r = cli("--format", "json", "sites", "list");
        assertEquals(json(SITES), json(r.out()));
        assertTrue(r.lines().size() > 10, "pretty-printed: " + r.out());
    }

    @Test
    void emptyList_table_printsTheHeaderAndNone() {
        loggedIn();
        api.answer("GET", "/v1/sites", "{\"items\":[]}");
        assertEquals(List.of("ID  NAME  LOCATION  STATUS  ENDPOINTS  LAN PREFIXES", "(none)"), cli("sites", "list").lines());
    }

    @Test
    void sitesShow_table_alignsLabelsAndValues() {
        loggedIn();
        api.answer("GET", "/v1/sites/branch-2", json(SITES).path("items").get(0).toString());
        CliRun r = cli("sites", "show", "branch-2");
        assertEquals(List.of(
                "id            branch-2",
                "name          Branch 2",
                "location      Lyon",
                "status        active",
                "public key    k2",
                "endpoints     fiber=192.0.2.10:51820, lte=198.51.100.7:51820",
                "lan prefixes  10.2.0.0/16, fd00:2::/48",
                "created       2026-11-20T10:00:00Z"), r.lines(), r.toString());
    }

    static final String PATHS = """
            {"items":[
              {"id":"demo-site:branch-2:fiber","sourceSite":"demo-site","destinationSite":"branch-2","colour":"fiber","latencyMs":15.44,
               "packetLossPct":0.05,"jitterMs":1.0,"healthScore":97,"status":"up","lastCheck":"2026-11-23T08:59:48Z"},
              {"id":"demo-site:branch-2:lte","sourceSite":"demo-site","destinationSite":"branch-2","colour":"lte","latencyMs":0,
               "packetLossPct":0,"jitterMs":0,"healthScore":0,"status":"unknown"}]}""";

    @Test
    void pathsList_showHealth_addsHealthColumnsWithUnits() {
        loggedIn();
        api.answer("GET", "/v1/paths?siteId=branch-2&status=up", PATHS);
        CliRun r = cli("paths", "list", "--show-health", "--site", "branch-2", "--status", "up");
        assertEquals(List.of(
                "PATH                      TO        COLOUR  STATUS   SCORE  LATENCY  LOSS   JITTER  LAST CHECK",
                "demo-site:branch-2:fiber  branch-2  fiber   up       97     15.4 ms  0.05%  1.0 ms  12s ago",
                "demo-site:branch-2:lte    branch-2  lte     unknown  0      0.0 ms   0.00%  0.0 ms  never"), r.lines(), r.toString());
    }

    @Test
    void pathsList_withoutShowHealth_hasFourColumns() {
        loggedIn();
        api.answer("GET", "/v1/paths", PATHS);
        assertEquals("PATH                      TO        COLOUR  STATUS", cli("paths", "list").lines().getFirst());
    }

    @Test
    void pathsShow_sendsTheColonsOfThePathIdUnencoded() {
        loggedIn();
        api.answer("GET", "/v1/paths/demo-site:branch-2:fiber", json(PATHS).path("items").get(0).toString());
        CliRun r = cli("paths", "show", "demo-site:branch-2:fiber");
        assertEquals(0, r.code(), r.toString());
        assertEquals("/v1/paths/demo-site:branch-2:fiber", api.onlyRequest().target());
        assertTrue(r.out().contains("last check  2026-11-23T08:59:48Z (12s ago)"), r.out());
    }

    @Test
    void pathsHistory_sendsSinceAndUntil_andPrintsTheSamples() {
        loggedIn();
        api.answer("GET", "/v1/paths/a:b:fiber/health?since=24h&until=2026-11-23T08%3A00%3A00Z", """
                {"pathId":"a:b:fiber","since":"2026-11-22T09:00:00Z","until":"2026-11-23T08:00:00Z","samples":[
                 {"at":"2026-11-23T07:00:00Z","latencyMs":15,"packetLossPct":0.1,"jitterMs":1,"healthScore":96,"status":"up"},
                 {"at":"2026-11-23T07:00:05Z","latencyMs":250,"packetLossPct":12.5,"jitterMs":40,"healthScore":20,"status":"down"}]}""");
        CliRun r = cli("paths", "history", "a:b:fiber", "--since", "24h", "--until", "2026-11-23T08:00:00Z");
        assertEquals(List.of(
                "a:b:fiber from 2026-11-22T09:00:00Z to 2026-11-23T08:00:00Z: 2 sample(s)",
                "AT                    STATUS  SCORE  LATENCY   LOSS    JITTER",
                "2026-11-23T07:00:00Z  up      96     15.0 ms   0.10%   1.0 ms",
                "2026-11-23T07:00:05Z  down    20     250.0 ms  12.50%  40.0 ms"), r.lines(), r.toString());
        CliRun ids = cli("--format", "ids", "paths", "history", "a:b:fiber", "--since", "24h", "--until", "2026-11-23T08:00:00Z");
        assertEquals(List.of("2026-11-23T07:00:00Z", "2026-11-23T07:00:05Z"), ids.lines());
    }

    static final String POLICIES = """
            {"items":[
              {"id":"voice","name":"Voice","priority":10,"match":{"dscp":[46],"protocol":"udp","sourcePrefixes":[],"destinationPrefixes":[],
               "sourcePorts":[],"destinationPorts":["3478","10000-20000"]},"action":{"type":"route","primary":"fiber","backup":"lte","failoverThreshold":70}},
              {"id":"backup","name":"Backups","priority":20,"match":{"dscp":[],"protocol":"any","sourcePrefixes":["10.2.0.0/16"],
               "destinationPrefixes":["10.9.0.0/16"],"sourcePorts":[],"destinationPorts":[]},"action":{"type":"rate_limit","kbps":1500}},
              {"id":"rest","name":"Rest","priority":30,"match":{"dscp":[],"protocol":"any","sourcePrefixes":[],"destinationPrefixes":[],
               "sourcePorts":[],"destinationPorts":[]},"action":{"type":"drop"}}]}""";

    @Test
    void policiesList_table_describesMatchAndActionInWords() {
        loggedIn();
        api.answer("GET", "/v1/policies", POLICIES);
        assertEquals(List.of(
                "PRIORITY  ID      NAME     MATCH                               ACTION",
                "10        voice   Voice    dscp 46 udp dport 3478,10000-20000  route fiber (backup lte below score 70)",
                "20        backup  Backups  from 10.2.0.0/16 to 10.9.0.0/16     rate-limit 1.5 Mbit/s",
                "30        rest    Rest     all traffic                         drop"), cli("policies", "list").lines());
    }

    @Test
    void linksList_table_showsBandwidthInHumanUnits() {
        loggedIn();
        api.answer("GET", "/v1/links", """
                {"items":[{"name":"fiber","iface":"eth0","colour":"fiber","priority":10,"bandwidthKbps":1000000},
                          {"name":"lte","iface":"wwan0","colour":"lte","priority":20,"bandwidthKbps":50000}]}""");
        assertEquals(List.of(
                "NAME   IFACE  COLOUR  PRIORITY  BANDWIDTH",
                "fiber  eth0   fiber   10        1 Gbit/s",
                "lte    wwan0  lte     20        50 Mbit/s"), cli("links", "list").lines());
        assertEquals(List.of("fiber", "lte"), cli("links", "list", "--format", "ids").lines());
    }

    @Test
    void slaList_table_showsProbeIntervalAndMultiplierMarkingDefaultsAndTheJudgedClass() {
        loggedIn();
        api.answer("GET", "/v1/sla-classes", """
                {"items":[{"name":"default","maxLatencyMs":150.0,"maxLossPct":2.0,"maxJitterMs":30.0,
                           "effectiveProbeIntervalMs":100,"effectiveDetectMultiplier":3,"judged":false},
                          {"name":"voice","maxLatencyMs":80.0,"maxLossPct":0.5,"maxJitterMs":10.0,"probeIntervalMs":50,
                           "detectMultiplier":4,"effectiveProbeIntervalMs":50,"effectiveDetectMultiplier":4,"judged":true}]}""");
        assertEquals(List.of(
                "NAME     MAX LATENCY  MAX LOSS  MAX JITTER  PROBE INTERVAL    DETECT            JUDGED",
                "default  150.0 ms     2.00%     30.0 ms     100 ms (default)  3 lost (default)",
                "voice    80.0 ms      0.50%     10.0 ms     50 ms             4 lost            *"), cli("sla", "list").lines());
        assertEquals(List.of("default", "voice"), cli("sla", "list", "--format", "ids").lines());
    }

    @Test
    void status_table_summarisesTheHealthAnswer() {
        loggedIn();
        api.answer("GET", "/v1/health", """
                {"status":"ok","siteId":"demo-site","version":"0.1.0","uptimeSeconds":3725,"dataPlane":"memory",
                 "wal":{"lastSequence":42,"segments":1},"counts":{"sites":2,"policies":3,"links":2,"paths":4}}""");
        CliRun r = cli("status");
        assertEquals(List.of(
                "api         " + api.uri(),
                "site        demo-site",
                "status      ok",
                "version     0.1.0",
                "uptime      1h 2m",
                "data plane  memory",
                "log         last sequence 42 in 1 segment(s)",
                "counts      2 sites, 3 policies, 2 links, 4 paths"), r.lines(), r.toString());
    }

    @Test
    void dbCheck_withProblems_listsThem_andExits1() {
        loggedIn();
        api.answer("GET", "/v1/db/check", """
                {"ok":false,"store":{"schemaVersion":2,"appliedSequence":7,"sites":1,"policies":0,"users":1,"historySamples":0},
                 "log":{"lastSequence":9,"segments":1,"records":9},"problems":["store is 2 records behind the log"]}""");
        CliRun r = cli("db", "check");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.out().contains("problem  store is 2 records behind the log"), r.out());
        assertTrue(r.out().contains("FAILED: 1 problem(s)"), r.out());
        assertTrue(r.err().contains("found 1 problem(s)"), r.err());
    }

    @Test
    void debugDump_table_printsTheComponentTree() {
        loggedIn();
        api.answer("GET", "/v1/debug/dump", """
                {"components":{"name":"appliance","state":"running","details":{"siteId":"demo-site"},"children":[
                  {"name":"store","state":"running","details":{"sites":1},"children":[
                    {"name":"write-ahead-log","state":"running","details":{"stats":{"fsyncs":3}},"children":[]}]},
                  {"name":"config","state":"loaded","details":{"effective":"site:\\n  id: demo-site"},"children":[]}]}}""");
        assertEquals(List.of(
                "appliance [running]",
                "  | siteId: demo-site",
                "  store [running]",
                "    | sites: 1",
                "    write-ahead-log [running]",
                "      | stats.fsyncs: 3",
                "  config [loaded]",
                "    | effective: ",
                "    |     site:",
                "    |       id: demo-site"), cli("debug", "dump").lines());
    }

    // ---- what is sent ------------------------------------------------------------------------------------------------

    @Test
    void sitesAdd_flags_postTheSiteAsTheModelsJson() {
        loggedIn();
        api.answer("POST", "/v1/sites", 201, json(SITES).path("items").get(0).toString());
        CliRun r = cli("sites", "add", "--id", "branch-2", "--name", "Branch 2", "--location", "Lyon", "--public-key", "k2",
                "--endpoint", "fiber=192.0.2.10:51820", "--endpoint", "lte=198.51.100.7:51820",
                "--lan-prefix", "10.2.0.0/16", "--lan-prefix", "fd00:2::/48", "--status", "active");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("added site branch-2"), r.lines());
        FakeAppliance.Request sent = api.onlyRequest();
        assertEquals(Optional.of("Bearer " + TOKEN), sent.authorization());
        assertEquals(json("""
                {"id":"branch-2","name":"Branch 2","location":"Lyon","publicKey":"k2",
                 "endpoints":{"fiber":"192.0.2.10:51820","lte":"198.51.100.7:51820"},
                 "lanPrefixes":["10.2.0.0/16","fd00:2::/48"],"status":"active"}"""), json(sent.body()));
    }

    @Test
    void sitesAdd_fileFromStandardInput_isSentAsItIs() {
        loggedIn();
        api.answer("POST", "/v1/sites", 201, "{\"id\":\"s\"}");
        String site = "{\"id\":\"s\",\"name\":\"S\",\"publicKey\":\"k\",\"future\":1}";
        CliRun r = cliWithInput(site, "sites", "add", "--file", "-", "--format", "ids");
        assertEquals(List.of("s"), r.lines(), r.toString());
        assertEquals(json(site), json(api.onlyRequest().body()));
    }

    @Test
    void sitesAdd_fileThatIsNotJson_exits2() throws IOException {
        Path f = Files.writeString(dir.resolve("site.json"), "id: s\n");
        CliRun r = cli("sites", "add", "--file", f.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("is not valid JSON"), r.err());
    }

    @Test
    void policiesCreate_flags_postThePolicyAsTheModelsJson() {
        loggedIn();
        api.answer("POST", "/v1/policies", 201, json(POLICIES).path("items").get(0).toString());
        CliRun r = cli("policies", "create", "--id", "voice", "--name", "Voice", "--priority", "10", "--dscp", "46",
                "--protocol", "udp", "--dst-port", "3478", "--dst-port", "10000-20000", "--action", "route",
                "--primary", "fiber", "--backup", "lte", "--failover-threshold", "70");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("created policy voice (priority 10): dscp 46 udp dport 3478,10000-20000 -> route fiber "
                + "(backup lte below score 70)"), r.lines());
        assertEquals(json("""
                {"id":"voice","name":"Voice","priority":10,"match":{"dscp":[46],"protocol":"udp","destinationPorts":["3478","10000-20000"]},
                 "action":{"type":"route","primary":"fiber","backup":"lte","failoverThreshold":70}}"""), json(api.onlyRequest().body()));
    }

    @Test
    void policiesUpdate_flags_changeOnlyWhatIsGiven() {
        loggedIn();
        String voice = json(POLICIES).path("items").get(0).toString();
        api.answer("GET", "/v1/policies/voice", voice).answer("PUT", "/v1/policies/voice", voice);
        CliRun r = cli("policies", "update", "voice", "--priority", "5", "--failover-threshold", "60", "--src-prefix", "10.2.0.0/16");
        assertEquals(0, r.code(), r.toString());
        assertEquals(json("""
                {"id":"voice","name":"Voice","priority":5,"match":{"dscp":[46],"protocol":"udp","sourcePrefixes":["10.2.0.0/16"],
                 "destinationPrefixes":[],"sourcePorts":[],"destinationPorts":["3478","10000-20000"]},
                 "action":{"type":"route","primary":"fiber","backup":"lte","failoverThreshold":60}}"""),
                json(api.requests().getLast().body()));
    }

    @Test
    void policiesUpdate_toAnotherActionWithoutItsParameters_exits2WithoutChangingIt() {
        loggedIn();
        api.answer("GET", "/v1/policies/voice", json(POLICIES).path("items").get(0).toString());
        CliRun r = cli("policies", "update", "voice", "--action", "rate_limit");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--action rate_limit needs --kbps"), r.err());
        assertEquals(List.of("GET"), api.requests().stream().map(FakeAppliance.Request::method).toList());
    }

    @Test
    void delete_ids_printsTheId_andJsonPrintsNothing() {
        loggedIn();
        api.answer("DELETE", "/v1/policies/voice", 204, "");
        assertEquals(List.of("voice"), cli("policies", "delete", "voice", "--format", "ids").lines());
        assertEquals("", cli("policies", "delete", "voice", "--format", "json").out());
        assertEquals(List.of("deleted policy voice"), cli("policies", "delete", "voice").lines());
    }

    // ---- login and the token file ------------------------------------------------------------------------------------

    static final String LOGIN_OK = """
            {"token":"t.o.k","tokenType":"Bearer","expiresAt":"2026-11-23T21:00:00Z","username":"ops","role":"operator"}""";

    @Test
    void login_savesApiAndTokenInA0600File_inA0700Directory() throws IOException {
        api.answer("POST", "/v1/auth/login", LOGIN_OK);
        Path file = dir.resolve("config/patronus/token");
        env.put("PATRONUS_TOKEN_FILE", file.toString());
        CliRun r = cliWithInput("s3cret\nignored\n", "--api", api.uri() + "/", "login", "--user", "ops", "--password-stdin");
        assertEquals(0, r.code(), r.toString());
        assertEquals(json("{\"username\":\"ops\",\"password\":\"s3cret\"}"), json(api.onlyRequest().body()));
        assertEquals(Optional.empty(), api.onlyRequest().authorization());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(json("{\"api\":\"" + api.uri() + "\",\"token\":\"t.o.k\",\"expiresAt\":\"2026-11-23T21:00:00Z\"}"),
                json(Files.readString(file)));
        assertTrue(r.out().contains("logged in to " + api.uri() + " as ops (operator)"), r.out());
        assertEquals(List.of(), Files.list(file.getParent()).filter(p -> !p.equals(file)).toList(), "no temporary file left");
    }

    @Test
    void login_overAWorldReadableTokenFile_replacesItWithA0600One() throws IOException {
        api.answer("POST", "/v1/auth/login", LOGIN_OK);
        Path file = dir.resolve("token");
        Files.writeString(file, "{\"api\":\"http://old\",\"token\":\"old\"}");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        CliRun r = cli("--api", api.uri().toString(), "login", "--password", "pw");
        assertEquals(0, r.code(), r.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(Files.readString(file).contains("t.o.k"));
    }

    @Test
    void login_overADamagedTokenFile_repairsIt() throws IOException {
        api.answer("POST", "/v1/auth/login", LOGIN_OK);
        Files.writeString(dir.resolve("token"), "{\"tok");
        assertEquals(1, cli("--api", api.uri().toString(), "status").code(), "a damaged file is reported, not ignored");
        CliRun r = cli("--api", api.uri().toString(), "login", "--password", "pw");
        assertEquals(0, r.code(), r.toString());
        assertEquals("t.o.k", json(Files.readString(dir.resolve("token"))).path("token").asText());
    }

    @Test
    void login_rejected_exits1WithTheServersMessage_andSavesNothing() {
        api.answer("POST", "/v1/auth/login", 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"invalid username or password\"}}");
        CliRun r = cliWithInput("wrong\n", "--api", api.uri().toString(), "login", "--password-stdin");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().startsWith("patronus: invalid username or password"), r.err());
        assertFalse(Files.exists(dir.resolve("token")));
    }

    @Test
    void tokenFileLocation_envThenXdgThenHome() {
        assertEquals(Path.of("/x/t"), TokenFile.location(Map.of("PATRONUS_TOKEN_FILE", "/x/t", "XDG_CONFIG_HOME", "/c", "HOME", "/h")));
        assertEquals(Path.of("/c/patronus/token"), TokenFile.location(Map.of("XDG_CONFIG_HOME", "/c", "HOME", "/h")));
        assertEquals(Path.of("/h/.config/patronus/token"), TokenFile.location(Map.of("HOME", "/h")));
    }

    @Test
    void savedLogin_choosesTheApi_andSendsItsToken() {
        loggedIn();
        api.answer("GET", "/v1/links", "{\"items\":[]}");
        assertEquals(0, cli("links", "list").code());
        assertEquals(Optional.of("Bearer " + TOKEN), api.onlyRequest().authorization());
    }

    /** Regression: the saved token used to be sent to whatever --api named, handing it to another server. */
    @Test
    void savedToken_isNotSentToAnotherApi() throws IOException {
        loggedIn();
        try (FakeAppliance other = new FakeAppliance()) {
            other.answer("GET", "/v1/links", 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"this route needs a bearer token\"}}");
            CliRun r = cli("--api", other.uri().toString(), "links", "list");
            assertEquals(1, r.code(), r.toString());
            assertEquals(Optional.empty(), other.onlyRequest().authorization());
            assertTrue(r.err().contains("not logged in to " + other.uri() + ": run `patronus login --api " + other.uri() + "`"), r.err());
        }
        assertEquals(List.of(), api.requests());
    }

    @Test
    void apiOption_beatsEnvironment_whichBeatsTheSavedUrl() throws IOException {
        loggedIn();
        try (FakeAppliance fromEnv = new FakeAppliance(); FakeAppliance fromOption = new FakeAppliance()) {
            for (FakeAppliance f : List.of(api, fromEnv, fromOption)) {
                f.answer("GET", "/v1/links", "{\"items\":[]}");
            }
            env.put("PATRONUS_API_URL", fromEnv.uri().toString());
            assertEquals(0, cli("--api", fromOption.uri().toString(), "links", "list").code());
            assertEquals(1, fromOption.requests().size());
            assertEquals(0, cli("links", "list").code());
            assertEquals(1, fromEnv.requests().size());
            env.remove("PATRONUS_API_URL");
            assertEquals(0, cli("links", "list").code());
            assertEquals(1, api.requests().size());
        }
    }

    @Test
    void tokenFileReadableByOthers_warns() throws IOException {
        loggedIn();
        Files.setPosixFilePermissions(dir.resolve("token"), PosixFilePermissions.fromString("rw-r--r--"));
        api.answer("GET", "/v1/links", "{\"items\":[]}");
        CliRun r = cli("links", "list");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("warning: the login file " + dir.resolve("token") + " is accessible to others"), r.err());
    }

    @Test
    void apiUrl_sameApi_ignoresCaseDefaultPortAndTrailingSlash() {
        assertTrue(ApiUrl.same("http://Appliance.example:80/", ApiUrl.parse("http://appliance.example", "--api")));
        assertTrue(ApiUrl.same("https://a.example:443", ApiUrl.parse("https://a.example/", "--api")));
        assertFalse(ApiUrl.same("http://127.0.0.1:8081", ApiUrl.parse("http://localhost:8081", "--api")));
        assertFalse(ApiUrl.same("http://a.example:8081", ApiUrl.parse("https://a.example:8081", "--api")));
    }

    // ---- errors ------------------------------------------------------------------------------------------------------

    @Test
    void connectionRefused_exits1_namingTheUrlAndThatTheApplianceMayNotRun() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliRun r = cli("--api", "http://127.0.0.1:" + port, "status");
        assertEquals(1, r.code(), r.toString());
        assertEquals("patronus: cannot reach the appliance API at http://127.0.0.1:" + port + " (connection refused): the "
                + "appliance may not be running there; start it, or point the CLI elsewhere with --api URL or PATRONUS_API_URL",
                r.err().strip());
    }

    @Test
    void validationErrorFromTheServer_exits1_withTheFieldAndMessage() {
        loggedIn();
        api.answer("POST", "/v1/sites", 422, """
                {"error":{"code":"invalid_field","message":"has host bits set beyond /16","field":"lanPrefixes[0]"}}""");
        CliRun r = cli("sites", "add", "--id", "s", "--name", "S", "--public-key", "k", "--lan-prefix", "10.3.0.1/16");
        assertEquals(1, r.code(), r.toString());
        assertEquals("patronus: lanPrefixes[0]: has host bits set beyond /16", r.err().strip());
    }

    @Test
    void unauthorized_tellsToRunLogin() {
        loggedIn();
        api.answer("GET", "/v1/sites", 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"the token is not valid\"}}");
        CliRun r = cli("sites", "list");
        assertEquals(1, r.code(), r.toString());
        assertEquals("patronus: the token is not valid (run `patronus login`)", r.err().strip());
    }

    @Test
    void unauthorized_withAnExpiredSavedLogin_saysWhenItExpired() {
        TokenFile.save(dir.resolve("token"), new TokenFile.Saved(api.uri().toString(), TOKEN, "2026-11-23T08:00:00Z"));
        api.answer("GET", "/v1/sites", 401, "{\"error\":{\"code\":\"unauthorized\",\"message\":\"the token has expired\"}}");
        CliRun r = cli("sites", "list");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("the saved login expired at 2026-11-23T08:00:00Z: run `patronus login`"), r.err());
    }

    @Test
    void errorThatIsNotTheApisJson_exits1_withStatusAndBody() {
        loggedIn();
        api.answer("GET", "/v1/links", 502, "<html>Bad gateway</html>");
        CliRun r = cli("links", "list");
        assertEquals(1, r.code(), r.toString());
        assertEquals("patronus: GET /v1/links answered HTTP 502: <html>Bad gateway</html>", r.err().strip());
    }

    @Test
    void notFound_exits1_withTheServersMessage() {
        loggedIn();
        CliRun r = cli("sites", "show", "nope");
        assertEquals(1, r.code(), r.toString());
        assertEquals("patronus: no canned answer for /v1/sites/nope", r.err().strip());
    }
}
