"""Centre events (issue 15): job fairs, meeting days and standing interviews with company
booths, live interview slots and seekers' bookings with a waiting list."""
