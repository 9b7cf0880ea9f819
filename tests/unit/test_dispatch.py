from gridcare.workorders.dispatch import choose_handler


def test_it_follows_first_contact_then_rep_then_backup_then_the_queue():
    assert choose_handler(grid_code="G", rep_id=1, backup_id=2, off_duty=frozenset(), first_contact_rep=9).handler_id == 9
    assert choose_handler(grid_code="G", rep_id=1, backup_id=2, off_duty=frozenset()).handler_id == 1
    backup = choose_handler(grid_code="G", rep_id=1, backup_id=2, off_duty=frozenset({1}))
    assert backup.handler_id == 2 and "rep off duty" in backup.reason
    both = choose_handler(grid_code="G", rep_id=1, backup_id=2, off_duty=frozenset({1, 2}))
    assert both.handler_id is None and "off duty" in both.reason
    assert choose_handler(grid_code=None, rep_id=None, backup_id=None, off_duty=frozenset()).reason == "no grid found: command-center queue"
    assert choose_handler(grid_code="G", rep_id=None, backup_id=None, off_duty=frozenset()).reason == "grid G has no rep: command-center queue"


def test_it_highlights_only_the_most_specific_navigation_entry():
    from gridcare.web.nav import active_href

    assert active_href("/orders/board") == "/orders/board"
    assert active_href("/orders/42") == "/orders"
    assert active_href("/") == "/"
    assert active_href("/grids/7") == "/grids"
    assert active_href("/nowhere") is None
