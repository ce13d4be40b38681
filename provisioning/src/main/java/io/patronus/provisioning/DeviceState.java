package io.patronus.provisioning;

/** Where an appliance stands in its federation life cycle, as it reports in {@link DeviceStatus}. */
public enum DeviceState {
    ENROLLED, CONFIG_APPLIED, MESH_UP, ROLLED_BACK, REJECTED
}
