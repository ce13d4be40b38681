package io.patronus.appliance.netlink.genl;

/** A generic netlink family as CTRL_CMD_GETFAMILY resolved it: the message type to use for it and its version. */
public record GenlFamily(String name, int id, int version) {
}
