"""Items, tasks and datasets: loading, validation, identity, images and input limits."""
