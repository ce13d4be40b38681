package io.patronus.common.units;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The human units of the configuration: every value in the configurable ranges prints in the largest exact unit and parses back. */
class UnitsTest {

    @Property
    void duration_printsInTheLargestExactUnit_andParsesBack(@ForAll @LongRange(min = 0, max = 3650L * 86_400_000) long millis) {
        Duration d = Duration.ofMillis(millis);
        assertEquals(Optional.of(d), Units.duration(Units.duration(d)));
    }

    @Property
    void size_printsInTheLargestExactBinaryUnit_andParsesBack(@ForAll @LongRange(min = 0, max = 1L << 40) long bytes) {
        assertEquals(Optional.of(bytes), Units.size(Units.size(bytes)));
    }

    @Property
    void anyText_parsesOrIsEmpty_neverThrows(@ForAll String text) {
        Units.duration(text);
        Units.size(text);
    }

    @Test
    void duration_unitsAndTheirSpelling() {
        assertEquals(Optional.of(Duration.ofMillis(250)), Units.duration("250ms"));
        assertEquals(Optional.of(Duration.ofSeconds(30)), Units.duration("30s"));
        assertEquals(Optional.of(Duration.ofMinutes(15)), Units.duration(" 15m "));
        assertEquals(Optional.of(Duration.ofHours(12)), Units.duration("12h"));
        assertEquals(Optional.of(Duration.ofDays(7)), Units.duration("7d"));
        assertEquals(Optional.empty(), Units.duration("12"));
        assertEquals(Optional.empty(), Units.duration("12 hours"));
        assertEquals(Optional.empty(), Units.duration("-1s"));
        assertEquals(Optional.empty(), Units.duration("1h30m"));
        assertEquals("90d", Units.duration(Duration.ofDays(90)));
        assertEquals("0ms", Units.duration(Duration.ZERO));
        assertEquals("1500ms", Units.duration(Duration.ofMillis(1500)));
    }

    @Test
    void size_binaryAndDecimalUnits() {
        assertEquals(Optional.of(65536L), Units.size("65536"));
        assertEquals(Optional.of(64L << 10), Units.size("64KiB"));
        assertEquals(Optional.of(64L << 20), Units.size("64 MiB"));
        assertEquals(Optional.of(1L << 30), Units.size("1GiB"));
        assertEquals(Optional.of(1_000_000L), Units.size("1MB"));
        assertEquals(Optional.empty(), Units.size("64mib"));
        assertEquals(Optional.empty(), Units.size("lots"));
        assertEquals(Optional.empty(), Units.size("999999999999999GB"));
        assertEquals("64MiB", Units.size(64L << 20));
        assertEquals("65537", Units.size(65537));
    }
}
