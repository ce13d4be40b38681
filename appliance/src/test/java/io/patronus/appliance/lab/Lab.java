package io.patronus.appliance.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The network-namespace lab for tests: N sites with one WAN interface per colour and a LAN host each, built and torn
 * down by {@code scripts/lab} (the same script the demo uses, so tests and demo share one topology). Closing removes
 * every namespace; a JVM shutdown hook does the same if a test is interrupted, and {@code scripts/lab gc} removes
 * labs whose test process was killed.
 */
public final class Lab implements AutoCloseable {
    private final String name;
    private final int sites;
    private final List<String> colours;
    private final Thread cleanup;
    private boolean closed;

    private Lab(String name, int sites, List<String> colours) {
        this.name = name;
        this.sites = sites;
        this.colours = List.copyOf(colours);
        this.cleanup = new Thread(this::down, "lab-cleanup-" + name);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Builds a new lab with a random name; removes labs of dead test processes first. */
    public static Lab up(int sites, String... colours) {
        script("gc");
        String name = "t" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Lab lab = new Lab(name, sites, Arrays.asList(colours));
        try {
            List<String> args = new ArrayList<>(List.of("up", name, Integer.toString(sites)));
            args.addAll(lab.colours);
            script(args.toArray(String[]::new));
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public int sites() {
        return sites;
    }

    public List<String> colours() {
        return colours;
    }

    /** The appliance namespace of site {@code i} (1-based). */
    public String namespace(int site) {
        return name + "-s" + site;
    }

    public String lanNamespace(int site) {
        return name + "-s" + site + "-lan";
    }

    /** Addresses of a site: NAMESPACE, LAN_PREFIX, LAN_GATEWAY, LAN_HOST, WAN_FIBER, ... */
    public Map<String, String> describe(int site) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : script("describe", name, Integer.toString(site)).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    /** Changes a WAN link's impairment while traffic runs: {@code impair(2, "fiber", "loss", "30")}. */
    public void impair(int site, String colour, String... settings) {
        List<String> args = new ArrayList<>(List.of("netem", name, Integer.toString(site), colour));
        args.addAll(Arrays.asList(settings));
        script(args.toArray(String[]::new));
    }

    /** Runs a command in a site's namespace ({@code "2"}, {@code "2-lan"} or {@code "inet"}) and returns its output. */
    public Result exec(String where, String... command) {
        List<String> args = new ArrayList<>(List.of("exec", name, where));
        args.addAll(Arrays.asList(command));
        return run(args.toArray(String[]::new));
    }

    /** A finished command: exit code and combined output. */
    public record Result(int exitCode, String output) {
    }

    static String script(String... args) {
        Result r = run(args);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("scripts/lab " + String.join(" ", args) + " failed (" + r.exitCode() + "): " + r.output());
        }
        return r.output();
    }

    private static Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(scriptPath().toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LAB_OWNER_PID", Long.toString(ProcessHandle.current().pid()));
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("scripts/lab " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run scripts/lab: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running scripts/lab", e);
        }
    }

    static Path scriptPath() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isExecutable(p.resolve("scripts/lab"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("scripts/lab not found above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("scripts/lab");
    }

    private synchronized void down() {
        if (!closed) {
            closed = true;
            run("down", name);
        }
    }

    /** Removes every namespace, link and process of the lab. */
    @Override
    public void close() {
        down();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run: nothing left to remove
        }
    }
}
