"""Plans: the plan file model and the importers that build it from plan documents."""
