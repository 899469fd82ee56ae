"""The facts the accessibility statement (tillgänglighetsredogörelse) states, kept in one place:
update ``REVIEWED_ON`` whenever the statement is reviewed, and the known gaps in
``templates/accessibility/statement.html`` with it (MDFFS 2019:2 asks for a review at least once
a year)."""

from datetime import date

# When the portal was first put into use, and when this statement was last reviewed.
PUBLISHED_ON = date(2026, 11, 25)
REVIEWED_ON = date(2026, 12, 7)

# The promise made on the statement, the form and the receipt: an answer within this many
# working days to a report that leaves a way to reach the person.
ANSWER_WITHIN_WORKING_DAYS = 10

# The Agency for Digital Government's page for complaints under the law (the model's link).
DIGG_COMPLAINT_URL = "https://www.digg.se/tdosanmalan"
