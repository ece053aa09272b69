"""The sector database (CSDL ngành) file of a school year, downloaded from the data page."""

from django.http import Http404
from django.utils.translation import gettext as _

from hocbaso.exchange.sector.services import TERMS, sector_export, sector_file_record, sector_workbook
from hocbaso.exchange.uploads import download, workbook_response


def sector_file(request, year, stem: str):
    """The sector file for a term (``?hk=1|2|year``, ``&dang=json`` for JSON); ``X-Identity-Failures`` counts
    the pupils whose identity number the sector database would refuse (``export/csdl-nganh``). The year's file is
    recorded as an extract of each issued record it names."""
    term = request.GET.get("hk", "year")
    if term not in TERMS:
        raise Http404(_("Học kì không tồn tại."))
    result = sector_export(school_year=year, term=term)
    response = (download(result.json().encode(), f"csdl-nganh-{stem}-hk{term}.json", "application/json")
                if request.GET.get("dang") == "json" else
                workbook_response(sector_workbook(result), f"csdl-nganh-{stem}-hk{term}.xlsx"))
    response["X-Identity-Failures"] = str(len(result.failures))
    sector_file_record(result, response.content, channel="exchange.sector_file", by=request.user)
    return response
