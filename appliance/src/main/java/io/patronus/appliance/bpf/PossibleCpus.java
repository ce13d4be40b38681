package io.patronus.appliance.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The number of possible CPUs, which sizes every per-CPU map value buffer: the kernel copies one slot per possible
 * CPU (not per online CPU), each rounded up to 8 bytes. Read once from {@code /sys/devices/system/cpu/possible}
 * (a list such as {@code 0-1} or {@code 0,2-3}). Thread-safe.
 */
final class PossibleCpus {
    static final Path FILE = Path.of("/sys/devices/system/cpu/possible");
    private static volatile int cached;

    private PossibleCpus() {
    }

    static int count() {
        int n = cached;
        if (n == 0) {
            try {
                n = parse(Files.readString(FILE));
            } catch (IOException e) {
                throw BpfException.failed("read", FILE.toString(), 0, e.toString(), e);
            }
            cached = n;
        }
        return n;
    }

    /** The number of CPUs in a kernel CPU list ({@code 0}, {@code 0-3}, {@code 0,2-3}). */
    static int parse(String list) {
        String text = list.strip();
        if (text.isEmpty()) {
            throw BpfException.failed("parse", FILE.toString(), "empty CPU list");
        }
        int count = 0;
        for (String part : text.split(",")) {
            String[] range = part.split("-", -1);
            try {
                int from = Integer.parseInt(range[0].strip());
                int to = range.length == 2 ? Integer.parseInt(range[1].strip()) : from;
                if (range.length > 2 || from < 0 || to < from) {
                    throw new NumberFormatException(part);
                }
                count += to - from + 1;
            } catch (NumberFormatException e) {
                throw BpfException.failed("parse", FILE.toString(), "bad CPU list '" + text + "' (at '" + part + "')");
            }
        }
        return count;
    }
}
