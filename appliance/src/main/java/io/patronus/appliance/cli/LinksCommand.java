package io.patronus.appliance.cli;

import io.patronus.common.cli.CommandGroup;
import io.patronus.common.cli.Table;
import picocli.CommandLine.Command;

/** {@code patronus links list}. */
@Command(name = "links", description = "WAN links of this appliance.", subcommands = LinksCommand.ListLinks.class)
final class LinksCommand extends CommandGroup {

    @Command(name = "list", description = "List the links, from the appliance's configuration.")
    static final class ListLinks extends CliCommand {
        @Override
        public Integer call() {
            printList(client().get("/v1/links"), "name", items -> {
                Table t = new Table("NAME", "IFACE", "COLOUR", "PRIORITY", "BANDWIDTH");
                items.forEach(l -> t.row(l.path("name").asText(), l.path("iface").asText(), l.path("colour").asText(),
                        l.path("priority").asInt(), Units.kbps(l.path("bandwidthKbps").asLong())));
                t.print(out());
            });
            return 0;
        }
    }
}
