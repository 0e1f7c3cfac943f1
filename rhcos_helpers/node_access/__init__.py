"""node_access - run node-level commands on many nodes: debug pods, SSH and the fan-out."""
