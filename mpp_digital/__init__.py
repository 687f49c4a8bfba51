"""MPP Digital: one app and one account for Indonesia's Mal Pelayanan Publik."""
