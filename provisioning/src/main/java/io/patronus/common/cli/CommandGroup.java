package io.patronus.common.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands ({@code patronus sites}): run alone it is a usage error. */
public abstract class CommandGroup implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public final void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "`" + spec.qualifiedName() + "` needs a subcommand: "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
