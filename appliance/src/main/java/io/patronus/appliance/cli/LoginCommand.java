package io.patronus.appliance.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patronus.common.cli.CliException;
import io.patronus.model.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/** {@code patronus login}: exchanges a password for a token and keeps it, with the API URL, in the token file. */
@Command(name = "login", description = {"Log in and keep the token for the following commands.",
        "The token and the API URL are saved in a file only you can read (mode 0600)."})
final class LoginCommand extends CliCommand {
    @Option(names = {"--user", "-u"}, paramLabel = "NAME", defaultValue = "admin", description = "User name (default admin).")
    String user;

    @Option(names = "--password", paramLabel = "PASSWORD", description = "The password (others can see it in the process list: prefer --password-stdin).")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
    boolean passwordStdin;

    @Override
    public Integer call() {
        String pw = password();
        PatronusCli root = root();
        Optional<TokenFile.Saved> saved;
        try {
            saved = root.savedLogin();
        } catch (CliException unreadable) {
            saved = Optional.empty(); // logging in again is how a damaged token file gets repaired
        }
        URI uri = root.apiUri(saved);
        ObjectNode body = Json.mapper().createObjectNode().put("username", user).put("password", pw);
        JsonNode r = new ApplianceClient(uri, Optional.empty(), "check the user name and password").post("/v1/auth/login", body);
        if (!r.path("token").isTextual()) {
            throw CliException.error("the appliance at " + uri + " answered the login without a token: " + r);
        }
        Path file = root.tokenFile();
        TokenFile.save(file, new TokenFile.Saved(uri.toString(), r.path("token").asText(), r.path("expiresAt").asText("")));
        switch (format()) {
            case json -> printJson(Json.mapper().createObjectNode().put("api", uri.toString())
                    .put("username", r.path("username").asText()).put("role", r.path("role").asText())
                    .put("expiresAt", r.path("expiresAt").asText()).put("tokenFile", file.toString()));
            case ids -> out().println(r.path("username").asText());
            case table -> out().println("logged in to " + uri + " as " + r.path("username").asText() + " ("
                    + r.path("role").asText() + ") until " + r.path("expiresAt").asText() + "; token saved in " + file);
        }
        return 0;
    }

    private String password() {
        if (password != null && passwordStdin) {
            throw CliException.usage("use either --password or --password-stdin, not both");
        }
        String pw;
        if (password != null) {
            pw = password;
        } else if (passwordStdin) {
            pw = readLine();
        } else {
            Console console = System.console();
            // Since JDK 22 there is a Console even when input is redirected; only prompt on a real terminal.
            if (console == null || !console.isTerminal()) {
                throw CliException.usage("no terminal to ask for the password on: use --password-stdin");
            }
            char[] typed = console.readPassword("password for %s: ", user);
            pw = typed == null ? "" : new String(typed);
        }
        if (pw.isEmpty()) {
            throw CliException.usage("the password is empty");
        }
        return pw;
    }
}
