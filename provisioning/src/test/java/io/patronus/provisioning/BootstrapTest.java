package io.patronus.provisioning;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BootstrapTest {
    private static final String HEX = "3f1c" + "0".repeat(56) + "abcd";

    @Test
    void parse_completeFile_allFields() {
        Bootstrap b = Bootstrap.parse("""
                {"controllerUrl": "https://192.0.2.250:8443", "caFingerprint": "sha256:%s",
                 "token": "ptok_abc", "serial": "PAT-000123"}""".formatted(HEX), "test");

        assertEquals(URI.create("https://192.0.2.250:8443"), b.controllerUrl());
        assertEquals("sha256:" + HEX, b.caFingerprint());
        assertEquals("ptok_abc", b.token());
        assertEquals(Optional.of("PAT-000123"), b.serial());
    }

    @Test
    void parse_withoutSerial_emptySerialAndFingerprintNormalised() {
        Bootstrap b = Bootstrap.parse("""
                {"controllerUrl": "https://controller.example:8443", "caFingerprint": "%s", "token": "t"}"""
                .formatted(colons(HEX.toUpperCase())), "test");

        assertEquals(Optional.empty(), b.serial());
        assertEquals("sha256:" + HEX, b.caFingerprint());
    }

    @Test
    void parse_httpUrl_namesControllerUrl() {
        assertRefused("""
                {"controllerUrl": "http://192.0.2.250:8443", "caFingerprint": "%s", "token": "t"}""".formatted(HEX), "controllerUrl");
    }

    @Test
    void parse_fingerprintNot64Hex_namesCaFingerprint() {
        assertRefused("""
                {"controllerUrl": "https://c:8443", "caFingerprint": "sha256:1234", "token": "t"}""", "caFingerprint");
    }

    @Test
    void parse_missingToken_namesToken() {
        assertRefused("""
                {"controllerUrl": "https://c:8443", "caFingerprint": "%s"}""".formatted(HEX), "token");
    }

    @Test
    void parse_blankToken_namesToken() {
        assertRefused("""
                {"controllerUrl": "https://c:8443", "caFingerprint": "%s", "token": "  "}""".formatted(HEX), "token");
    }

    @Test
    void parse_unknownField_namesIt() {
        assertRefused("""
                {"controllerUrl": "https://c:8443", "caFingerprint": "%s", "token": "t", "tokn": "x"}""".formatted(HEX), "tokn");
    }

    @Test
    void parse_numberWhereStringExpected_namesField() {
        assertRefused("""
                {"controllerUrl": "https://c:8443", "caFingerprint": "%s", "token": 42}""".formatted(HEX), "token");
    }

    @Test
    void parse_notJson_invalidBootstrapNamingSource() {
        ProvisioningException e = assertThrows(ProvisioningException.class, () -> Bootstrap.parse("controllerUrl=https://c", "/etc/patronus/bootstrap.json"));

        assertEquals("invalid_bootstrap", e.code());
        assertTrue(e.getMessage().contains("/etc/patronus/bootstrap.json"), e.getMessage());
        assertTrue(e.getMessage().contains("JSON"), e.getMessage());
    }

    @Test
    void parse_jsonArray_invalidBootstrap() {
        assertEquals("invalid_bootstrap", assertThrows(ProvisioningException.class, () -> Bootstrap.parse("[]", "x")).code());
    }

    @Test
    void read_file_parsesAndNamesFileInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bootstrap.json");
        Files.writeString(file, """
                {"controllerUrl": "https://c:8443", "caFingerprint": "%s", "token": "t"}""".formatted(HEX));
        assertEquals("t", Bootstrap.read(file).token());

        Files.writeString(file, "{\"controllerUrl\": \"ftp://c\", \"caFingerprint\": \"" + HEX + "\", \"token\": \"t\"}");
        ProvisioningException e = assertThrows(ProvisioningException.class, () -> Bootstrap.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertEquals(Optional.of("controllerUrl"), e.field());
    }

    @Test
    void read_missingFile_invalidBootstrapNamingFile(@TempDir Path dir) {
        ProvisioningException e = assertThrows(ProvisioningException.class, () -> Bootstrap.read(dir.resolve("nope.json")));

        assertEquals("invalid_bootstrap", e.code());
        assertTrue(e.getMessage().contains("nope.json"), e.getMessage());
    }

    private static void assertRefused(String json, String field) {
        ProvisioningException e = assertThrows(ProvisioningException.class, () -> Bootstrap.parse(json, "bootstrap.json"));
        assertEquals("invalid_bootstrap", e.code());
        assertEquals(Optional.of(field), e.field());
        assertTrue(e.getMessage().contains(field), e.getMessage());
        assertTrue(e.getMessage().contains("bootstrap.json"), e.getMessage());
    }

    static String colons(String hex) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            if (i > 0) {
                out.append(':');
            }
            out.append(hex, i, i + 2);
        }
        return out.toString();
    }
}
