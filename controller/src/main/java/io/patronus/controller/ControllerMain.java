package io.patronus.controller;

import io.patronus.controller.cli.ControllerCli;

/** {@code patronus-controller}: the entry point of the launcher script; see {@link ControllerCli}. */
public final class ControllerMain {
    private ControllerMain() {
    }

    public static void main(String[] args) {
        int code = ControllerCli.run(args, System.out, System.err, System.getenv());
        System.exit(code);
    }
}
