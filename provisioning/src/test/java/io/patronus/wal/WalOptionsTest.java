package io.patronus.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WalOptionsTest {
    private static final Path DIR = Path.of("wal");

    static Stream<Arguments> invalidOptions() {
        WalOptions defaults = WalOptions.defaults(DIR);
        return Stream.of(
                Arguments.of("segmentBytes was 100", (Supplier<WalOptions>) () -> defaults.segmentBytes(100)),
                Arguments.of("segmentBytes was " + (2L << 30), (Supplier<WalOptions>) () -> defaults.segmentBytes(2L << 30)),
                Arguments.of("maxBatchWait was PT-0.001S", (Supplier<WalOptions>) () -> defaults.maxBatchWait(Duration.ofMillis(-1))),
                Arguments.of("maxBatchWait was PT2S", (Supplier<WalOptions>) () -> defaults.maxBatchWait(Duration.ofSeconds(2))),
                Arguments.of("maxBatchBytes was 10", (Supplier<WalOptions>) () -> defaults.maxBatchBytes(10)));
    }

    @ParameterizedTest
    @MethodSource("invalidOptions")
    void options_invalidValue_messageNamesTheValue(String expected, Supplier<WalOptions> build) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(error.getMessage().startsWith(expected), error.getMessage());
    }

    @Test
    void options_defaults_areValidAndDirectoryIsAbsolute() {
        WalOptions options = WalOptions.defaults(DIR);
        assertTrue(options.directory().isAbsolute());
        assertEquals(64L << 20, options.segmentBytes());
    }

    @Test
    void recordType_codesAreStableAndUnknownCodesMapToUnknown() {
        assertEquals(1, RecordType.STATE_MUTATION.code());
        assertEquals(2, RecordType.AUDIT.code());
        assertEquals(3, RecordType.CHECKPOINT.code());
        assertEquals(4, RecordType.FAILOVER_DECISION.code());
        assertEquals(5, RecordType.PATH_EVENT.code());
        assertEquals(6, RecordType.CONFIG_APPLY.code());
        assertEquals(7, RecordType.OUTBOX_ACK.code());
        assertEquals(8, RecordType.CONFIG_ROLLBACK.code());
        assertEquals(100, RecordType.RAW.code());
        for (RecordType type : RecordType.values()) {
            if (type != RecordType.UNKNOWN) {
                assertEquals(type, RecordType.fromCode(type.code()));
            }
        }
        assertEquals(RecordType.UNKNOWN, RecordType.fromCode(0));
        assertEquals(RecordType.UNKNOWN, RecordType.fromCode(4242));
        assertEquals(RecordType.UNKNOWN, RecordType.fromCode(-1));
    }
}
