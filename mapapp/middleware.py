"""?lang=ar (or en) chooses the interface language for that request, so a shared link opens in the language the
reader was using. Runs after django.middleware.locale.LocaleMiddleware and overrides its choice; a value
that is not one of settings.LANGUAGES is ignored (the page opens in the negotiated language)."""

from django.conf import settings
from django.utils import translation


class QueryLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.GET.get("lang")
        if lang in self.languages:
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        return self.get_response(request)
