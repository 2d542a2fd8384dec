"""Outreach programmes for target groups (청년, 경력단절여성, 중장년, 고령자, 장애인), issue 15 item 4."""
