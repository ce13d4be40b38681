package io.patronus.appliance.bpf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfPossibleCpusTest {
    @Test
    void parse_kernelCpuLists_countsEveryCpu() {
        assertEquals(1, PossibleCpus.parse("0\n"));
        assertEquals(2, PossibleCpus.parse("0-1\n"));
        assertEquals(3, PossibleCpus.parse("0,2-3"));
        assertEquals(8, PossibleCpus.parse("0-3,8-11\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "a", "1-", "-1", "3-1", "0-1-2", "0,,1"})
    void parse_malformed_bpfExceptionQuotingTheList(String list) {
        BpfException e = assertThrows(BpfException.class, () -> PossibleCpus.parse(list));
        assertTrue(e.getMessage().contains("CPU list"), e.getMessage());
    }

    @Test
    void count_thisMachine_matchesSysfs() throws Exception {
        assertEquals(PossibleCpus.parse(Files.readString(PossibleCpus.FILE)), BpfMap.possibleCpus());
        assertTrue(BpfMap.possibleCpus() >= Runtime.getRuntime().availableProcessors());
    }
}
