package io.patronus.appliance.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Values and files at the edges: empty values, odd encodings, oversized files, hosts and variables the loader must judge. */
class ConfigLoaderEdgeCasesTest {
    @TempDir
    Path dir;

    private Path file(String yaml) throws Exception {
        Path f = Files.createTempFile(dir, "appliance", ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void keyWithoutValue_isReportedAtTheKey_notAtTheEndOfTheLine() throws Exception {
        Path f = file("site:\n  id:\n  location:\n");
        assertEquals(List.of(new ConfigProblem(f + ":2:3", "site.id", "has no value; remove the key to keep the default")),
                ConfigLoader.validate(f, Map.of()), "an empty location is allowed, an empty id is not");
    }

    @Test
    void apiHost_mustBeAnAddressOrAName_asTheModelsEndpointSays() throws Exception {
        Path f = file("api: { host: 'not a host' }\n");
        assertEquals(List.of(new ConfigProblem(f + ":1:14", "api.host", "must be an IP address or a DNS name, was 'not a host'")),
                ConfigLoader.validate(f, Map.of()));
        assertEquals("::", ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_API_HOST", "::")).api().host());
    }

    @Test
    void emptyDataDir_isAProblem_dotIsTheWorkingDirectory() throws Exception {
        assertEquals("must not be empty; use . for the working directory",
                ConfigLoader.validate(file("dataDir: ''\n"), Map.of()).getFirst().message());
        assertEquals(Path.of("").toAbsolutePath(), ConfigLoader.load(Optional.of(file("dataDir: .\n")), Map.of()).dataDir());
    }

    @Test
    void whitespaceOnlyFile_withTabs_meansDefaults() throws Exception {
        assertEquals(List.of(), ConfigLoader.validate(file(" \t\n\t\n   "), Map.of()));
    }

    @Test
    void utf8ByteOrderMark_isAccepted() throws Exception {
        Path f = dir.resolve("bom.yaml");
        Files.write(f, ("\uFEFFapi: { port: 9000 }\n").getBytes(StandardCharsets.UTF_8));
        assertEquals(9000, ConfigLoader.load(Optional.of(f), Map.of()).api().port());
    }

    @Test
    void notUtf8_isLocatedAtTheFirstBadByte() throws Exception {
        Path f = dir.resolve("latin1.yaml");
        Files.write(f, "site:\n  name: Montr\u00e9al\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(List.of(new ConfigProblem(f + ":2:14", "(encoding)",
                        "is not UTF-8 text: byte 0xE9 at offset 19; save the file as UTF-8")),
                ConfigLoader.validate(f, Map.of()));
    }

    @Test
    void hugeFile_isRefusedWithoutBeingParsed() throws Exception {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[(1 << 20) + 1]);
        assertEquals(List.of(new ConfigProblem(f.toString(), "(file)", "is 1048577 bytes; a configuration file is at most 1MiB")),
                ConfigLoader.validate(f, Map.of()));
    }

    @Test
    void loneSurrogate_isNotText() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_SITE_NAME", "a\uD800b")));
        assertEquals(List.of(new ConfigProblem("env PATRONUS_SITE_NAME", "site.name", "must be valid Unicode text (it holds a lone surrogate)")),
                e.problems());
    }

    @Test
    void patronusVariableThatLooksLikeNoSetting_isIgnored() {
        assertEquals(ConfigLoader.load(Optional.empty(), Map.of()),
                ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_LOG_COLOR", "1", "PATRONUS_SOMETHING_ELSE_ENTIRELY", "x")));
    }

    @Test
    void sectionVariableThatIsNoSetting_isAProblem() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Optional.empty(), Map.of("PATRONUS_WAL_SIZE", "1MiB")));
        assertEquals("env PATRONUS_WAL_SIZE", e.problems().getFirst().location());
        assertTrue(e.problems().getFirst().message().startsWith("is not a configuration setting"), e.getMessage());
    }

    @Test
    void numbersBeyondLong_areRangeProblems_notFormatOnes() throws Exception {
        Path f = file("api: { port: 123456789012345678901234567890 }\n");
        assertEquals("must be between 0 and 65535, was 123456789012345678901234567890",
                ConfigLoader.validate(f, Map.of()).getFirst().message());
    }
}
