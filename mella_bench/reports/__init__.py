"""Everything read from run directories for people: leaderboards, HTML, paper tables, figures, ablation."""
