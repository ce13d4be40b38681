package io.patronus.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** IP protocol a policy matches on; {@code ANY} matches every protocol. */
public enum Protocol {
    ANY(-1), ICMP(1), TCP(6), UDP(17), ICMPV6(58);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** The IANA protocol number, -1 for {@code ANY}. */
    public int number() {
        return number;
    }

    public boolean hasPorts() {
        return this == TCP || this == UDP;
    }

    @JsonCreator
    public static Protocol parse(String text) {
        Check.required("protocol", text);
        // toUpperCase also turns some non-ASCII letters into ASCII ones (dotless i into I): take ASCII spellings only.
        if (text.chars().allMatch(c -> c < 128)) {
            for (Protocol v : values()) {
                if (v.name().equalsIgnoreCase(text)) {
                    return v;
                }
            }
        }
        throw new ValidationException("protocol", "enum", "must be one of any, icmp, tcp, udp, icmpv6, was '" + Check.clip(text) + "'");
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
