package io.patronus.appliance.classify;

/**
 * What the classifier did with a packet; the code is the index of the kernel's per-verdict counters.
 * Twin of the PAT_V_* constants in bpf/lib/classifier.h: change both together.
 */
public enum Verdict {
    UNPARSED(0, "not IPv4/IPv6 or headers truncated: passed untouched"),
    NO_SITE(1, "destination is not in any remote site's prefixes: passed untouched"),
    DEFAULT(2, "no policy matched: sent over the site's default colour"),
    STEERED(3, "a policy matched: sent over the colour steered for it"),
    NO_PATH(4, "no colour is steered for the site: passed untouched"),
    DROPPED(5, "a drop policy matched: dropped"),
    RATE_LIMITED(6, "over the policy's rate: dropped");

    private final int code;
    private final String meaning;

    Verdict(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** True when the packet is discarded (tc returns TC_ACT_SHOT). */
    public boolean drops() {
        return this == DROPPED || this == RATE_LIMITED;
    }

    public static Verdict ofCode(int code) {
        for (Verdict v : values()) {
            if (v.code == code) {
                return v;
            }
        }
        throw new IllegalArgumentException("no verdict with code " + code);
    }
}
