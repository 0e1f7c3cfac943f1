def write_nodes(tree, cluster, reason):
    pass
