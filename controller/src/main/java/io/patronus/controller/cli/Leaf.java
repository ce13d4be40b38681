package io.patronus.controller.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.Table;
import io.patronus.model.Json;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** A command that does something (a leaf of the command tree): streams, client and output helpers. */
abstract class Leaf implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    final ControllerCli root() {
        return (ControllerCli) spec.root().userObject();
    }

    final PrintStream out() {
        return root().out();
    }

    final AdminClient client() {
        return root().client();
    }

    @Override
    public final Integer call() {
        JsonNode answer = execute();
        if (answer != null && root().json()) {
            printJson(answer);
        } else if (answer != null) {
            human(answer);
        }
        return 0;
    }

    /** Does the work; returns the controller's answer (printed as JSON with --json, else by {@link #human}). */
    abstract JsonNode execute();

    /** Prints the answer for a person. */
    abstract void human(JsonNode answer);

    final void printJson(JsonNode node) {
        try {
            out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** A table with these columns, led by ORGANISATION when every organisation's objects are listed. */
    final Table table(String... headers) {
        if (!root().allOrganisations()) {
            return new Table(headers).emptyAsDash();
        }
        String[] all = new String[headers.length + 1];
        all[0] = "ORGANISATION";
        System.arraycopy(headers, 0, all, 1, headers.length);
        return new Table(all).emptyAsDash();
    }

    /** Adds a row for {@code item} to a {@link #table}, its organisation first when that column is there. */
    final void row(Table t, JsonNode item, Object... cells) {
        if (!root().allOrganisations()) {
            t.row(cells);
            return;
        }
        Object[] all = new Object[cells.length + 1];
        all[0] = text(item, "organisation");
        System.arraycopy(cells, 0, all, 1, cells.length);
        t.row(all);
    }

    /** A text value, "-" when absent. */
    static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isMissingNode() || v.isNull() ? "-" : v.isTextual() ? v.asText() : v.toString();
    }

    static String clip(String s, int max) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > max ? one.substring(0, max - 3) + "..." : one;
    }

    /** up/degraded/down of a paths object. */
    static String paths(JsonNode p) {
        return p.path("up").asInt() + "/" + p.path("degraded").asInt() + "/" + p.path("down").asInt();
    }
}
