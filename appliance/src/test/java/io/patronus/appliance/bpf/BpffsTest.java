package io.patronus.appliance.bpf;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.patronus.appliance.bpf.BpfTestSupport.object;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpffsTest {
    private Path pinDir;

    @BeforeEach
    void requireRoot() {
        BpfTestSupport.assumeRoot();
    }

    @AfterEach
    void removePins() {
        BpfTestSupport.deleteTree(pinDir);
    }

    @Test
    void ensureMounted_underDefault_bpffsAndDirectoriesCreated() {
        pinDir = BpfTestSupport.newPinDirectory();
        Path nested = pinDir.resolve("x/y/z");
        Bpffs.ensureMounted(nested);
        assertTrue(Files.isDirectory(nested));
        assertTrue(Bpffs.isBpffs(nested));
        assertTrue(Bpffs.isBpffs(Bpffs.DEFAULT));
        Bpffs.ensureMounted(nested); // again: nothing to do
    }

    @Test
    void ensureMounted_notBpffs_clearError(@TempDir Path tmp) {
        assertFalse(Bpffs.isBpffs(tmp));
        BpfException e = assertThrows(BpfException.class, () -> Bpffs.ensureMounted(tmp.resolve("pins")));
        assertTrue(e.getMessage().contains("not bpffs"), e.getMessage());
        assertTrue(e.getMessage().startsWith("bpffs check of " + tmp.resolve("pins") + " failed: " + tmp + " is on a filesystem of type 0x"),
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("pins")));
    }

    @Test
    void pin_outsideBpffs_errorSaysWhy(@TempDir Path tmp) {
        try (BpfObject obj = BpfObject.load(object("bpf_test_pass"), LoadOptions.defaults())) {
            BpfException e = assertThrows(BpfException.class, () -> obj.map("test_counter").pin(tmp.resolve("counter")));
            assertTrue(e.getMessage().startsWith("bpf OBJ_PIN of map 'test_counter' from bpf_test_pass.o at " + tmp.resolve("counter")),
                    e.getMessage());
            assertTrue(e.getMessage().contains("bpf filesystem"), e.getMessage());
        }
    }
}
