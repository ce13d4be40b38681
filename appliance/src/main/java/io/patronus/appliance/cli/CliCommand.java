package io.patronus.appliance.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.patronus.common.cli.CliException;
import io.patronus.model.Json;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** A command that does something (a leaf of the command tree): its streams, options, client and output helpers. */
abstract class CliCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    final PatronusCli root() {
        return (PatronusCli) spec.root().userObject();
    }

    final PrintStream out() {
        return root().out();
    }

    final PatronusCli.Format format() {
        return root().format();
    }

    final ApplianceClient client() {
        return root().client();
    }

    /** The appliance's answer, pretty-printed. */
    final void printJson(JsonNode node) {
        try {
            out().println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** A list answer ({@code {"items":[...]}}) in the chosen format; {@code table} renders the items as a table. */
    final void printList(JsonNode answer, String idField, Consumer<JsonNode> table) {
        switch (format()) {
            case json -> printJson(answer);
            case ids -> answer.path("items").forEach(i -> out().println(i.path(idField).asText()));
            case table -> table.accept(answer.path("items"));
        }
    }

    /** One object in the chosen format; {@code fields} renders it for the table format. */
    final void printOne(JsonNode answer, String idField, Consumer<JsonNode> fields) {
        switch (format()) {
            case json -> printJson(answer);
            case ids -> out().println(answer.path(idField).asText());
            case table -> fields.accept(answer);
        }
    }

    /** A JSON object from a file, or from standard input when the name is "-"; a usage error when it is not one. */
    final JsonNode readJsonFile(Path file) {
        String source = file.toString().equals("-") ? "standard input" : file.toString();
        try {
            byte[] bytes = file.toString().equals("-") ? root().in().readAllBytes() : Files.readAllBytes(file);
            JsonNode n = Json.mapper().readTree(bytes);
            if (n == null || !n.isObject()) {
                throw CliException.usage("--file " + source + " must hold a JSON object");
            }
            return n;
        } catch (NoSuchFileException e) {
            throw CliException.usage("--file " + source + " does not exist");
        } catch (JsonProcessingException e) {
            throw CliException.usage("--file " + source + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw CliException.usage("--file " + source + " cannot be read: " + e);
        }
    }

    /** The first line of standard input, without its line end; empty when there is none. */
    final String readLine() {
        try {
            String line = new BufferedReader(new InputStreamReader(root().in(), StandardCharsets.UTF_8)).readLine();
            return line == null ? "" : line;
        } catch (IOException e) {
            throw CliException.error("cannot read standard input: " + e.getMessage());
        }
    }

    /** A usage error unless {@code value} is one of {@code allowed}. */
    static String oneOf(String option, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw CliException.usage(option + " must be " + String.join(", ", allowed.subList(0, allowed.size() - 1))
                    + " or " + allowed.getLast() + ", was '" + value + "'");
        }
        return value;
    }
}
